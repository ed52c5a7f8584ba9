using Microsoft.CodeAnalysis.Testing;
using TelemetryHosting.Generators.Tests.TestSupport;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Generators.Tests;

/// <summary>Calls of ITelemetryRecorder.Record: constant names the gateway refuses are errors, other names get a suggestion.</summary>
public sealed class RecordCallAnalyzerTests
{
    private const string Usings = "using TelemetryHosting;\nusing TelemetryHosting.Testing;\n\n";

    [Theory]
    [InlineData("""{|#0:"Search"|}, "view" """, EventNameValidator.FeaturePatternMessage, "Search")]
    [InlineData(""" "search", {|#0:"view_all"|} """, EventNameValidator.ActionPatternMessage, "view_all")]
    [InlineData("""{|#0:Names.Empty|}, "view" """, EventNameValidator.BothRequiredMessage, "")]
    public async Task ConstantInvalidName_ReportsTH0009WithTheGatewaysMessage(string arguments, string message, string name)
    {
        var test = GeneratorHarness.CreateAnalyzerTest<RecordCallAnalyzer>(Usings + $$"""
            public static class Names { public const string Empty = ""; }

            public static class Service
            {
                public static void Run(ITelemetryRecorder recorder) => recorder.Record({{arguments}});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidRecordName).WithLocation(0).WithArguments(message, name));

        await test.RunAsync();
    }

    [Fact]
    public async Task ConstantInvalidName_OnAConcreteRecorder_ReportsTH0009()
    {
        var test = GeneratorHarness.CreateAnalyzerTest<RecordCallAnalyzer>(Usings + """
            public static class Service
            {
                public static void Run(FakeTelemetryRecorder recorder) => recorder.Record("search", {|#0:"2"|});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidRecordName).WithLocation(0)
            .WithArguments(EventNameValidator.ActionPatternMessage, "2"));

        await test.RunAsync();
    }

    [Fact]
    public async Task ValidConstantNames_ReportNothing()
    {
        var test = GeneratorHarness.CreateAnalyzerTest<RecordCallAnalyzer>(Usings + """
            public static class Service
            {
                private const string Feature = "search.results";

                public static bool Run(ITelemetryRecorder recorder) =>
                    recorder.Record(Feature, "view", new TelemetryEventParameters { Version = 1 })
                    && recorder.Record(action: "clear", feature: Feature);
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task NonConstantName_ReportsTH0010Suggestion()
    {
        var test = GeneratorHarness.CreateAnalyzerTest<RecordCallAnalyzer>(Usings + """
            public static class Service
            {
                public static void Run(ITelemetryRecorder recorder, string action) => recorder.Record("search", {|#0:action|});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.NonConstantRecordName).WithLocation(0).WithArguments("action"));

        await test.RunAsync();
    }

    [Fact]
    public async Task OtherRecordMethod_ReportsNothing()
    {
        var test = GeneratorHarness.CreateAnalyzerTest<RecordCallAnalyzer>(Usings + """
            public static class Other
            {
                public static void Record(string feature, string action) { }

                public static void Run() => Record("Not_A_Feature", "1");
            }
            """);

        await test.RunAsync();
    }
}
