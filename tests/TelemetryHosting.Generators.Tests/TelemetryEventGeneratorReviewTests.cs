using Microsoft.CodeAnalysis;
using TelemetryHosting.Generators.Tests.TestSupport;

namespace TelemetryHosting.Generators.Tests;

/// <summary>
/// Declarations the generated code must compile for without a warning (users build with TreatWarningsAsErrors), and
/// the catalogue's names of methods in nested generic types.
/// </summary>
public sealed class TelemetryEventGeneratorReviewTests
{
    [Fact]
    public void NullableRecorderField_InstanceMethods_CompileWithoutNullableWarnings()
    {
        AssertCompilesCleanly("""
            using TelemetryHosting;

            public sealed partial class Exporter(ITelemetryRecorder? telemetry)
            {
                private readonly ITelemetryRecorder? _telemetry = telemetry;

                [TelemetryEvent("exports", "succeeded")]
                public partial bool RecordExported(int rows);

                [TelemetryEvent("exports", "cancelled")]
                public partial void RecordCancelled();
            }

            public static partial class Events
            {
                [TelemetryEvent("exports", "started")]
                public static partial void RecordStarted(this ITelemetryRecorder? recorder, int rows);
            }
            """);
    }

    [Fact]
    public void ParametersNamedLikeGeneratedNames_CompileWithoutCollisions()
    {
        AssertCompilesCleanly("""
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial bool RecordViewed(this ITelemetryRecorder recorder, int __metadata, [PrivateMetadata] string __privateMetadata,
                    [PrivateMetadata] string __TelemetryEvent0, [PrivateMetadata] string? metadata, [PrivateMetadata] string? privateMetadata, string? interactionId);
            }
            """);
    }

    [Fact]
    public void ParameterNamedLikeTheRecorder_CompilesAndRecordsThroughTheTypesRecorder()
    {
        AssertCompilesCleanly("""
            using TelemetryHosting;

            public sealed partial class Exporter(ITelemetryRecorder recorder)
            {
                [TelemetryEvent("exports", "succeeded")]
                public partial void RecordExported(int recorder);
            }

            public sealed partial class Importer
            {
                private static ITelemetryRecorder? s_telemetry;

                public static void Use(ITelemetryRecorder telemetry) => s_telemetry = telemetry;

                [TelemetryEvent("imports", "succeeded")]
                public partial bool RecordImported(long s_telemetry);
            }
            """);
    }

    [Fact]
    public void ParameterNamedLikeTheRecorder_ReadonlyStructMethod_ReadsTheRecorderThroughAReadonlyProperty()
    {
        // The recorder's property is readonly in a struct: a readonly method calling a non-readonly member is CS8656.
        AssertCompilesCleanly("""
            using TelemetryHosting;

            public partial struct Runner(ITelemetryRecorder telemetry)
            {
                [TelemetryEvent("demo.runner", "run")]
                public readonly partial bool Run(int telemetry);
            }
            """);
    }

    [Fact]
    public void ScopedRefStructParameter_KeepsScopedInTheImplementation()
    {
        // Not recordable (TH0002, turned off here), but the implementation must repeat 'scoped' (else CS8988).
        var (sources, diagnostics) = GeneratorHarness.Run("""
            using System;
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void RecordViewed(this ITelemetryRecorder recorder, int count, scoped ReadOnlySpan<char> text);
            }
            """, suppressed: "TH0002");

        Assert.NotEmpty(sources);
        Assert.Empty(diagnostics.Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).Select(diagnostic => diagnostic.ToString()));
        Assert.Contains("scoped global::System.ReadOnlySpan<char> text", Assert.Single(sources).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void GenericContainingTypes_VarianceAndConstraints_AreKept()
    {
        AssertCompilesCleanly("""
            using System;
            using TelemetryHosting;

            public partial interface IExportEvents<out TResult, in TInput>
            {
                TResult Export(TInput input);

                [TelemetryEvent("exports", "succeeded")]
                static partial void RecordExported(ITelemetryRecorder recorder, int rows);
            }

            public partial class Box<T>(ITelemetryRecorder recorder)
                where T : struct, IComparable<T>
            {
                [TelemetryEvent("boxes", "opened")]
                public partial void RecordOpened(int size);

                public static T Largest(T a, T b) => a.CompareTo(b) >= 0 ? a : b;
            }
            """);
    }

    [Fact]
    public void NullableMetadataOfEveryKind_CompilesWithoutWarnings()
    {
        AssertCompilesCleanly("""
            using System;
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "view")]
                public static partial void RecordViewed(this ITelemetryRecorder recorder, bool? cached, TimeSpan? elapsed, decimal? cost,
                    int? count, float? ratio, ulong total, sbyte small);
            }
            """);
    }

    [Fact]
    public void Catalogue_NestedGenericType_NamesTheOuterTypesAndTheirParameters()
    {
        var (sources, _) = GeneratorHarness.Run("""
            using TelemetryHosting;

            namespace Exports;

            public static partial class Jobs<TKey>
            {
                public sealed partial class Nightly<T>(ITelemetryRecorder recorder)
                {
                    [TelemetryEvent("exports.nightly", "ran")]
                    public partial void RecordRan(int rows);
                }
            }
            """, catalogue: true);

        Assert.Contains("\"method\": \"Exports.Jobs<TKey>.Nightly<T>.RecordRan\"", sources["TelemetryEventCatalog.json.g.cs"], StringComparison.Ordinal);
        Assert.Contains("| Exports.Jobs<TKey>.Nightly<T>.RecordRan |", sources["TelemetryEventCatalog.md.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void DefinitionRefusedAtRunTime_BreaksOnlyItsOwnEvent()
    {
        // A definition the runtime refuses (here a name changed in the generated code, as a later runtime with stricter
        // rules could refuse one an earlier generator wrote) must not take its type's other events down with it: each
        // definition lives in a holder class of its own, not in a static field initialiser of the type.
        const string Source = """
            using TelemetryHosting;

            public static partial class Events
            {
                [TelemetryEvent("search", "refused")]
                public static partial bool RecordRefused(this ITelemetryRecorder recorder, int count);

                [TelemetryEvent("search", "view")]
                public static partial bool RecordViewed(this ITelemetryRecorder recorder, int count);
            }
            """;
        var generated = Assert.Single(GeneratorHarness.Run(Source).Sources).Value;
        Assert.Contains("\"refused\"", generated, StringComparison.Ordinal);
        var assembly = GeneratorHarness.CompileToAssembly(Source, generated.Replace("\"refused\"", "\"Refused!\"", StringComparison.Ordinal));
        var events = assembly.GetType("Events")!;
        var recorder = new Testing.FakeTelemetryRecorder();

        var refused = Assert.Throws<System.Reflection.TargetInvocationException>(() => events.GetMethod("RecordRefused")!.Invoke(null, [recorder, 1]));
        Assert.IsType<TypeInitializationException>(refused.InnerException);
        Assert.Equal(true, events.GetMethod("RecordViewed")!.Invoke(null, [recorder, 2]));
        Assert.Equal(2, recorder.Single("search", "view").Metadata["count"]);
    }

    private static void AssertCompilesCleanly(string source)
    {
        var (sources, diagnostics) = GeneratorHarness.Run(source);

        Assert.NotEmpty(sources);
        Assert.Empty(diagnostics.Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).Select(diagnostic => diagnostic.ToString()));
    }
}
