using TelemetryHosting.Generators.CodeFixes;
using TelemetryHosting.Generators.Tests.TestSupport;

namespace TelemetryHosting.Generators.Tests;

/// <summary>The code fix of TH0002 marks the parameter [PrivateMetadata].</summary>
public sealed class PrivateMetadataCodeFixProviderTests
{
    [Fact]
    public async Task StringParameter_Fixed_IsMarkedPrivateMetadata()
    {
        // CS8795 stays in both: this test runs the analyzer and the fix, not the generator that writes the body.
        var test = GeneratorHarness.CreateCodeFixTest<TelemetryEventAnalyzer, PrivateMetadataCodeFixProvider>(
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|CS8795:Record|}(this ITelemetryRecorder recorder, int count, string {|TH0002:query|});
            }
            """,
            """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void {|CS8795:Record|}(this ITelemetryRecorder recorder, int count, [PrivateMetadata] string query);
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task ParameterWithAttribute_WithoutUsing_IsMarkedWithTheQualifiedName()
    {
        var test = GeneratorHarness.CreateCodeFixTest<TelemetryEventAnalyzer, PrivateMetadataCodeFixProvider>(
            """
            public static partial class Events
            {
                [TelemetryHosting.TelemetryEvent("search", "view")]
                public static partial void {|CS8795:Record|}(this TelemetryHosting.ITelemetryRecorder recorder, object {|TH0002:filter|});
            }
            """,
            """
            public static partial class Events
            {
                [TelemetryHosting.TelemetryEvent("search", "view")]
                public static partial void {|CS8795:Record|}(this TelemetryHosting.ITelemetryRecorder recorder, [TelemetryHosting.PrivateMetadata] object filter);
            }
            """);

        await test.RunAsync();
    }
}
