using Microsoft.CodeAnalysis.Testing;
using TelemetryHosting.Generators.Tests.TestSupport;

namespace TelemetryHosting.Generators.Tests;

/// <summary>
/// The generated source of representative methods, compared with the files in Snapshots/ (run with UPDATE_SNAPSHOTS=1 to
/// rewrite them, then review the diff). Each test also proves the generated code compiles without a warning.
/// </summary>
public sealed class TelemetryEventGeneratorSnapshotTests
{
    [Fact]
    public Task ExtensionMethod_EveryKindOfParameter_RecordsMetadataPrivateMetadataBillingUserAndInteractionId() => VerifyAsync(
        "Search.SearchTelemetry.TelemetryEvents.g.cs",
        """
        using System;
        using TelemetryHosting;

        namespace Search;

        public static partial class SearchTelemetry
        {
            [TelemetryEvent("search.results", "view", Version = 2, BillingProduct = "code-search", BillingCategory = "core")]
            public static partial bool RecordResultsViewed(
                this ITelemetryRecorder recorder,
                int resultCount,
                bool cached,
                TimeSpan elapsed,
                double? score,
                decimal cost,
                [Metadata("files")] long fileCount,
                [PrivateMetadata] string query,
                [PrivateMetadata(Key = "repo")] string? repository,
                TelemetryEventUser? user,
                string? interactionId);

            [TelemetryEvent("search.results", "clear")]
            public static partial void RecordResultsCleared(this ITelemetryRecorder recorder);

            [TelemetryEvent("search.results", "export", Version = 1, BillingProduct = "code-search", BillingCategory = "export")]
            internal static partial bool RecordResultsExported(ITelemetryRecorder recorder, [InteractionId] string? interaction);
        }
        """);

    [Fact]
    public Task InstanceMethods_FieldAndPrimaryConstructor_RecordThroughTheTypesRecorder() => VerifyAsync(
        "Exports.ExportService.TelemetryEvents.g.cs",
        """
        using TelemetryHosting;

        namespace Exports;

        public sealed partial class ExportService
        {
            private readonly ITelemetryRecorder _telemetry;

            public ExportService(ITelemetryRecorder telemetry) => _telemetry = telemetry;

            public void Export(int rows) => RecordExported(rows);

            [TelemetryEvent("exports", "succeeded", Version = 3)]
            private partial void RecordExported(int rows);

            [TelemetryEvent("exports", "cancelled", Version = 3)]
            private partial bool RecordCancelled();
        }
        """,
        ("Exports.Jobs.Nightly_T_.TelemetryEvents.g.cs", """
        using TelemetryHosting;

        namespace Exports;

        public static partial class Jobs
        {
            public sealed partial class Nightly<T>(ITelemetryRecorder recorder)
            {
                [TelemetryEvent("exports.nightly", "ran")]
                public partial void RecordRan(ushort @checked, float? ratio);
            }
        }
        """));

    [Fact]
    public async Task Catalogue_OptedIn_ListsEveryEventAsJsonAndMarkdown()
    {
        const string Source = """
            using System;
            using TelemetryHosting;

            namespace Search
            {
                public static partial class SearchTelemetry
                {
                    [TelemetryEvent("search.results", "view", Version = 2, BillingProduct = "code-search", BillingCategory = "core")]
                    public static partial bool RecordResultsViewed(this ITelemetryRecorder recorder, int resultCount, TimeSpan elapsed, [PrivateMetadata] string query);
                }
            }

            public sealed partial class Exporter(ITelemetryRecorder recorder)
            {
                [TelemetryEvent("exports", "succeeded")]
                public partial void RecordExported([Metadata("rows")] long count, string? interactionId);
            }
            """;
        var test = GeneratorHarness.CreateTest(Source);
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\nbuild_property.TelemetryEventCatalog = true\n"));
        var actual = GeneratorHarness.Run(Source, catalogue: true).Sources;
        foreach (var name in new[] { "Exporter.TelemetryEvents.g.cs", "Search.SearchTelemetry.TelemetryEvents.g.cs", "TelemetryEventCatalog.json.g.cs", "TelemetryEventCatalog.md.g.cs" })
        {
            var snapshot = name.StartsWith("TelemetryEventCatalog", StringComparison.Ordinal) ? name : "Catalogue." + name;
            test.TestState.GeneratedSources.Add((typeof(TelemetryEventGenerator), name, GeneratorHarness.Snapshot(snapshot, actual.GetValueOrDefault(name) ?? $"(the generator wrote no {name})")));
        }

        await test.RunAsync();
    }

    [Fact]
    public void Catalogue_NotOptedIn_IsNotGenerated()
    {
        var sources = GeneratorHarness.Run("""
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void Record(this ITelemetryRecorder recorder);
            }
            """).Sources;

        Assert.Equal(["Events.TelemetryEvents.g.cs"], sources.Keys);
    }

    private static async Task VerifyAsync(string hintName, string source, params (string HintName, string Source)[] more)
    {
        var sources = new List<(string HintName, string Source)> { (hintName, source) };
        sources.AddRange(more);
        var test = GeneratorHarness.CreateTest(source);
        foreach (var extra in more)
        {
            test.TestState.Sources.Add(extra.Source);
        }

        foreach (var (name, text) in sources)
        {
            // With UPDATE_SNAPSHOTS=1 the generator's own output becomes the snapshot; otherwise the file is the expectation.
            var actual = GeneratorHarness.Run(text).Sources.GetValueOrDefault(name) ?? $"(the generator wrote no {name})";
            test.TestState.GeneratedSources.Add((typeof(TelemetryEventGenerator), name, GeneratorHarness.Snapshot(name, actual)));
        }

        await test.RunAsync();
    }
}
