using TelemetryHosting.Generators.CodeFixes;
using TelemetryHosting.Generators.Tests.TestSupport;

namespace TelemetryHosting.Generators.Tests;

/// <summary>The code fix of TH0002, which the generator reports, marks the parameter [PrivateMetadata].</summary>
public sealed class PrivateMetadataCodeFixProviderTests
{
    [Fact]
    public async Task StringParameter_Fixed_IsMarkedPrivateMetadata()
    {
        // TH0002 comes from the generator (which writes the body, so no CS8795): the fix acts on its diagnostic, as the
        // IDE offers fixes for generator diagnostics.
        var test = GeneratorHarness.CreateGeneratorCodeFixTest<PrivateMetadataCodeFixProvider>(
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, string {|TH0002:query|});
            }
            """,
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, [PrivateMetadata] string query);
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task ParameterWithAttribute_WithoutUsing_IsMarkedWithTheQualifiedName()
    {
        var test = GeneratorHarness.CreateGeneratorCodeFixTest<PrivateMetadataCodeFixProvider>(
            """
            public static partial class Events
            {
                [TelemetryHosting.TelemetryEvent("search", "view")]
                public static partial void Record(this TelemetryHosting.ITelemetryRecorder recorder, object {|TH0002:filter|});
            }
            """,
            """
            public static partial class Events
            {
                [TelemetryHosting.TelemetryEvent("search", "view")]
                public static partial void Record(this TelemetryHosting.ITelemetryRecorder recorder, [TelemetryHosting.PrivateMetadata] object filter);
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task AnalyzersDiagnostic_Fixed_IsMarkedPrivateMetadata()
    {
        // Where analyzers run (the properties of TelemetryHosting.targets), TH0002 comes from TelemetryEventAnalyzer, the
        // diagnostic `dotnet format analyzers --diagnostics TH0002` fixes; the generator leaves it to the analyzer.
        var test = GeneratorHarness.CreateAnalyzerCodeFixTest<PrivateMetadataCodeFixProvider>(
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, string {|TH0002:query|}, object {|TH0002:filter|});
            }
            """,
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder, int count, [PrivateMetadata] string query, [PrivateMetadata] object filter);
            }
            """);

        await test.RunAsync();
    }
}
