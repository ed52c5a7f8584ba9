using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using TelemetryHosting.Generators.Tests.TestSupport;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Generators.Tests;

/// <summary>The diagnostics of [TelemetryEvent] methods: ids, locations and messages, through the Roslyn testing framework.</summary>
public sealed class TelemetryEventDiagnosticTests
{
    private const string Usings = "using System;\nusing TelemetryHosting;\n\n";

    [Theory]
    [InlineData("""{|#0:"Search"|}, "view" """, EventNameValidator.FeaturePatternMessage, "Search")]
    [InlineData(""" "search.results", {|#0:"viewed2"|} """, EventNameValidator.ActionPatternMessage, "viewed2")]
    [InlineData("""{|#0:""|}, "view" """, EventNameValidator.BothRequiredMessage, "")]
    [InlineData(""" "search", {|#0:"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"|} """, EventNameValidator.ActionTooLongMessage, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("""{|#0:"search_results"|}, "view" """, EventNameValidator.FeaturePatternMessage, "search_results")]
    public async Task InvalidName_ReportsTH0001WithTheGatewaysMessage(string arguments, string message, string name)
    {
        var test = GeneratorHarness.CreateTest(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent({{arguments}})]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidEventName).WithLocation(0).WithArguments(message, name));

        // No body for an event the gateway would refuse: CS8795 stays, so the build fails even where TH0001 is suppressed.
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Fact]
    public async Task ValidNames_SixtyFourBytes_ReportNothing()
    {
        var test = GeneratorHarness.CreateTest(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent("{{new string('f', 64)}}", "view")]
                public static partial void Record(this ITelemetryRecorder recorder);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;

        await test.RunAsync();
    }

    [Theory]
    [InlineData("string")]
    [InlineData("object")]
    [InlineData("char")]
    [InlineData("DayOfWeek")]
    [InlineData("int[]")]
    public async Task ParameterThatIsNoNumber_GeneratorReportsTH0002AndWritesTheBodyWithoutIt(string type)
    {
        // The generator reports TH0002 itself: generator diagnostics show in every build, whatever the analyzer settings.
        // The body is still written (no CS8795), without the parameter.
        var test = GeneratorHarness.CreateTest(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, {{type}} {|#0:value|});
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        var display = type == "DayOfWeek" ? "System.DayOfWeek" : type;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.ParameterCannotBeMetadata).WithLocation(0).WithArguments("value", display));

        await test.RunAsync();

        var source = Assert.Single(GeneratorHarness.Run(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, {{type}} value);
            }
            """).Sources).Value;
        Assert.Contains($"{type} value)", source, StringComparison.Ordinal);
        Assert.Equal(1, source.Split("value").Length - 1);
    }

    [Fact]
    public async Task ParameterThatIsNoNumber_AsBuilt_ReportsTH0002Only()
    {
        // What `dotnet build` shows: TH0002 once for each parameter (from the generator; no analyzer reports it again).
        var diagnostics = await GeneratorHarness.BuildAsync(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, string query, object filter);
            }
            """);

        Assert.Equal(
            [
                "TH0002: Parameter 'query' of type 'string' cannot be metadata, which holds numbers, booleans and durations only: mark it [PrivateMetadata] to record it as private metadata",
                "TH0002: Parameter 'filter' of type 'object' cannot be metadata, which holds numbers, booleans and durations only: mark it [PrivateMetadata] to record it as private metadata",
            ],
            diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => $"{diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Fact]
    public async Task ParameterThatIsNoNumber_InAFileMarkedAutoGenerated_StillReportsTH0002()
    {
        // Analyzers report nothing in generated code; the generator's own diagnostic is reported wherever the method is.
        var diagnostics = await GeneratorHarness.BuildAsync("// <auto-generated/>\n" + Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, string query);
            }
            """);

        Assert.Equal(
            ["TH0002"],
            diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Fact]
    public void ParameterThatIsNoNumber_WithoutAnyAnalyzer_ReportsTH0002()
    {
        // RunAnalyzers=false: the generator runs alone, and its TH0002 still fails the build.
        var (_, diagnostics) = GeneratorHarness.Run(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, string query);
            }
            """);

        Assert.Equal(["TH0002"], diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Fact]
    public void ParameterThatIsNoNumber_DisabledWithPragma_IsNotReported()
    {
        // The diagnostic is located in the method's syntax tree, so '#pragma warning disable' applies to it as to any error.
        var (_, diagnostics) = GeneratorHarness.Run(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
            #pragma warning disable TH0002 // the query is not recorded here on purpose
                public static partial void Record(this ITelemetryRecorder recorder, int count, string query);
            #pragma warning restore TH0002
            }
            """);

        Assert.Empty(diagnostics.Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning && !diagnostic.IsSuppressed).Select(diagnostic => diagnostic.ToString()));
    }

    [Fact]
    public async Task InvalidName_AsBuilt_ReportsTH0001AndCS8795()
    {
        var diagnostics = await GeneratorHarness.BuildAsync(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("Search Results", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count);
            }
            """);

        Assert.Equal(
            [$"TH0001: {EventNameValidator.FeaturePatternMessage}: the gateway would reject 'Search Results'", "CS8795"],
            diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error)
                .Select(diagnostic => diagnostic.Id == "CS8795" ? diagnostic.Id : $"{diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Theory]
    [InlineData("TH0001", "[TelemetryEvent(\"Search Results\", \"view\")]")]
    [InlineData("TH0007", "[TelemetryEvent(\"search\", \"view\", BillingProduct = \"code-search\")]")]
    public void RejectedDefinition_Suppressed_WritesNoDefinitionAndTheBuildStillFails(string id, string attribute)
    {
        // A definition the runtime would refuse is never written: its constructor would throw in the type's static
        // initialiser and break every event of the type (TypeInitializationException). The method keeps no body instead.
        var (sources, diagnostics) = GeneratorHarness.Run(Usings + $$"""
            public static partial class Events
            {
                {{attribute}}
                public static partial void RecordRejected(this ITelemetryRecorder recorder, int count);

                [TelemetryEvent("search", "export")]
                public static partial void RecordExported(this ITelemetryRecorder recorder, int count);
            }
            """, suppressed: id);

        Assert.Equal(["CS8795"], diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
        Assert.Contains("RecordRejected", Assert.Single(diagnostics, diagnostic => diagnostic.Id == "CS8795").GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var source = Assert.Single(sources).Value;
        Assert.Contains("RecordExported", source, StringComparison.Ordinal);
        Assert.DoesNotContain("RecordRejected", source, StringComparison.Ordinal);
        Assert.DoesNotContain("view", source, StringComparison.Ordinal);
    }

    private const string StringParameter = Usings + """
        public static partial class Events
        {
            [TelemetryEvent("search", "view")]
            public static partial void Record(this ITelemetryRecorder recorder, int count, string query);
        }
        """;

    [Fact]
    public async Task ParameterThatIsNoNumber_AsBuiltWithAnalyzers_ReportsTH0002OnceFromTheAnalyzer()
    {
        // A project that imports TelemetryHosting.targets, RunAnalyzers unset: the analyzer reports TH0002 (so that
        // dotnet format fixes it), the generator does not report it again.
        var (_, generator) = GeneratorHarness.Run(StringParameter, GeneratorHarness.AnalyzersRun());
        Assert.DoesNotContain(generator, diagnostic => diagnostic.Id == "TH0002");

        var diagnostics = await GeneratorHarness.BuildAsync(StringParameter, GeneratorHarness.AnalyzersRun());
        Assert.Equal(["TH0002"], diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Fact]
    public async Task ParameterThatIsNoNumber_InAFileMarkedAutoGenerated_WithAnalyzers_ReportsTH0002Once()
    {
        // The analyzer reports in generated code too (GeneratedCodeAnalysisFlags.ReportDiagnostics).
        var diagnostics = await GeneratorHarness.BuildAsync("// <auto-generated/>\n" + StringParameter, GeneratorHarness.AnalyzersRun());

        Assert.Equal(["TH0002"], diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Theory]
    [InlineData("false", "", "", true)]
    [InlineData("", "false", "", true)]
    [InlineData("true", "false", "", false)]
    [InlineData("", "true", "", false)]
    [InlineData("", "", "true", true)]
    [InlineData("", "", "", false)]
    public async Task ParameterThatIsNoNumber_GeneratorReportsTH0002ExactlyWhenAnalyzersDoNotRun(string runAnalyzers, string duringBuild, string implicitlyTriggered, bool generatorReports)
    {
        // The compiler's targets skip analyzers with RunAnalyzers=false, or RunAnalyzersDuringBuild=false when
        // RunAnalyzers is unset, or (perhaps) in an implicitly triggered build: then the generator reports TH0002, and the
        // analyzer (which would see the same properties, in the IDE) does not.
        var properties = new Dictionary<string, string>
        {
            ["build_property.RunAnalyzers"] = runAnalyzers,
            ["build_property.RunAnalyzersDuringBuild"] = duringBuild,
            ["build_property.IsImplicitlyTriggeredBuild"] = implicitlyTriggered,
        };

        var (_, generator) = GeneratorHarness.Run(StringParameter, properties);
        Assert.Equal(generatorReports ? ["TH0002"] : [], generator.Where(diagnostic => diagnostic.Id == "TH0002").Select(diagnostic => diagnostic.Id));

        var asAnalyzers = await GeneratorHarness.BuildAsync(StringParameter, properties);
        Assert.Equal(["TH0002"], asAnalyzers.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Fact]
    public async Task ParameterMarkedPrivateMetadata_ReportsNothing()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, [PrivateMetadata] string query, string? interactionId);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;

        await test.RunAsync();
    }

    [Fact]
    public async Task MethodNotPartial_ReportsTH0003()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static void {|#0:Record|}(this ITelemetryRecorder recorder) { }
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.MethodMustBePartial).WithLocation(0)
            .WithArguments("Record", "must be declared 'partial' and without a body: the generator writes the body"));

        await test.RunAsync();
    }

    [Fact]
    public async Task TypeNotPartial_ReportsTH0003()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#0:Record|}(this ITelemetryRecorder recorder);
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.MethodMustBePartial).WithLocation(0)
            .WithArguments("Record", "must be in a partial type: declare 'Events' 'partial'"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0751").WithLocation(0));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(0));

        await test.RunAsync();
    }

    [Theory]
    [InlineData("in")]
    [InlineData("ref readonly")]
    public async Task InOrRefReadonlyParameter_ReportsTH0004(string modifier)
    {
        var test = GeneratorHarness.CreateTest(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder, {{modifier}} TimeSpan {|#0:elapsed|});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnsupportedMethod).WithLocation(0)
            .WithArguments("Record", "must not have a 'ref', 'out', 'in' or 'ref readonly' parameter ('elapsed')"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Theory]
    [InlineData("char", "char")]
    [InlineData("Uri", "System.Uri")]
    [InlineData("TimeSpan", "System.TimeSpan")]
    public async Task PrivateMetadataOfATypeTheRecorderRefuses_ReportsTH0012(string type, string display)
    {
        var test = GeneratorHarness.CreateTest(Usings + $$"""
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder, [PrivateMetadata] {{type}} {|#0:value|});
            }
            """);
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnsupportedPrivateMetadata).WithLocation(0).WithArguments("value", display));

        await test.RunAsync();
    }

    [Fact]
    public async Task ReturnsInt_ReportsTH0004()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial {|#0:int|} {|#1:Record|}(this ITelemetryRecorder recorder);
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnsupportedMethod).WithLocation(0)
            .WithArguments("Record", "must return 'void' or 'bool' (what ITelemetryRecorder.Record returned)"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Fact]
    public async Task StaticWithoutRecorder_ReportsTH0005()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#0:Record|}(int count);
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.NoRecorder).WithLocation(0)
            .WithArguments("Record", "the first parameter of a static method must be an ITelemetryRecorder (for example 'this ITelemetryRecorder recorder')"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(0));

        await test.RunAsync();
    }

    [Fact]
    public async Task InstanceWithTwoRecorderFields_ReportsTH0005()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public partial class Service(ITelemetryRecorder first, ITelemetryRecorder second)
            {
                private readonly ITelemetryRecorder _first = first;
                private readonly ITelemetryRecorder _second = second;

                [TelemetryEvent("search", "view")]
                public partial void {|#0:Record|}();
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.NoRecorder).WithLocation(0)
            .WithArguments("Record", "'Service' has more than one ITelemetryRecorder field (_first, _second): keep one"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(0));

        await test.RunAsync();
    }

    [Fact]
    public async Task TwoParametersWithOneKey_ReportsTH0006()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder, int count, [Metadata("count")] long {|#0:total|});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidKey).WithLocation(0)
            .WithArguments("The metadata key 'count' of parameter 'total' is recorded by another parameter too"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Fact]
    public async Task BillingProductWithoutCategory_ReportsTH0007()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [{|#0:TelemetryEvent("search", "view", BillingProduct = "code-search")|}]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidBilling).WithLocation(0).WithArguments("Record"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Fact]
    public async Task InteractionIdThatIsNoString_ReportsTH0008()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#1:Record|}(this ITelemetryRecorder recorder, [InteractionId] Guid {|#0:id|});
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidSpecialParameter).WithLocation(0)
            .WithArguments("Parameter 'id' is marked [InteractionId] and must be a string"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(1));

        await test.RunAsync();
    }

    [Fact]
    public async Task SameEventTwice_OtherKeysSameVersion_ReportsTH0011AtTheSecond()
    {
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view", Version = 1)]
                public static partial void RecordView(this ITelemetryRecorder recorder, int count);

                [TelemetryEvent("search", "view", Version = 1)]
                public static partial void {|#0:RecordViewAgain|}(this ITelemetryRecorder recorder, int total);

                [TelemetryEvent("search", "view", Version = 1)]
                public static partial void RecordViewOnceMore(this ITelemetryRecorder recorder, int count);

                [TelemetryEvent("search", "view", Version = 2)]
                public static partial void RecordViewVersion2(this ITelemetryRecorder recorder, bool cached);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DuplicateEventShape).WithLocation(0)
            .WithArguments("search", "view", "1", "Events.RecordView", "metadata: count; private metadata: none"));

        await test.RunAsync();
    }

    [Fact]
    public void SameEventTwice_OtherKeysSameVersion_DisabledWithPragma_IsNotReported()
    {
        // TH0011 is located in the declaring syntax tree, so '#pragma warning disable' (and per-file severities) apply.
        var source = Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view", Version = 1)]
                public static partial void RecordView(this ITelemetryRecorder recorder, int count);

            #pragma warning disable TH0011 // the old shape, kept while clients move
                [TelemetryEvent("search", "view", Version = 1)]
                public static partial void RecordViewAgain(this ITelemetryRecorder recorder, int total);
            #pragma warning restore TH0011
            }
            """;

        var (_, diagnostics) = GeneratorHarness.Run(source);

        var th0011 = Assert.Single(diagnostics, diagnostic => diagnostic.Id == "TH0011");
        Assert.True(th0011.IsSuppressed);
        Assert.True(th0011.Location.IsInSource);
        Assert.Empty(diagnostics.Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning && !diagnostic.IsSuppressed).Select(diagnostic => diagnostic.ToString()));
    }

    [Fact]
    public async Task LanguageVersionBeforeCSharp12_ReportsTH0013AndWritesNoBody()
    {
        // The generated body uses collection expressions (C# 12): without TH0013 the build failed inside the generated
        // file with CS9058, which names no setting to change.
        var test = GeneratorHarness.CreateTest(Usings + """
            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|#0:Record|}(this ITelemetryRecorder recorder, int count);
            }
            """);
        test.SolutionTransforms.Add((solution, projectId) => solution.WithProjectParseOptions(
            projectId,
            ((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp11)));
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.LanguageVersionTooLow).WithLocation(0).WithArguments("Record", "11.0"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(0));

        await test.RunAsync();
    }

    [Fact]
    public async Task MethodInAFileLocalType_ReportsTH0004NamingTheType()
    {
        // A 'file' type cannot be extended from the generated file: say so, rather than TH0003 or TH0005.
        var test = GeneratorHarness.CreateTest(Usings + """
            file static partial class FileEvents
            {
                [TelemetryEvent("demo.file", "run")]
                public static partial bool {|#0:Run|}(this ITelemetryRecorder recorder, int count);
            }
            """);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnsupportedMethod).WithLocation(0)
            .WithArguments("Run", "must not be in a file-local type ('file' type 'FileEvents'): its body is generated in another file, where the type cannot be declared; drop 'file'"));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS8795").WithLocation(0));

        await test.RunAsync();
    }

    [Fact]
    public void Descriptors_HaveStableIdsAndHelpLinksIntoTheDocs()
    {
        var descriptors = typeof(DiagnosticDescriptors).GetFields()
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
            .OrderBy(descriptor => descriptor.Id, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(["TH0001", "TH0002", "TH0003", "TH0004", "TH0005", "TH0006", "TH0007", "TH0008", "TH0009", "TH0010", "TH0011", "TH0012", "TH0013"], descriptors.Select(descriptor => descriptor.Id));
        Assert.Equal(DiagnosticSeverity.Info, descriptors.Single(descriptor => descriptor.Id == "TH0010").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Warning, descriptors.Single(descriptor => descriptor.Id == "TH0011").DefaultSeverity);
        Assert.All(descriptors.Where(descriptor => descriptor.Id is not ("TH0010" or "TH0011")), descriptor => Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity));
        Assert.All(descriptors, descriptor =>
        {
            // Under PackageProjectUrl, which the build puts into the generator's assembly.
            Assert.StartsWith("https://", descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.EndsWith($"/blob/main/docs/telemetry-events.md#{descriptor.Id.ToLowerInvariant()}", descriptor.HelpLinkUri, StringComparison.Ordinal);
        });
    }
}
