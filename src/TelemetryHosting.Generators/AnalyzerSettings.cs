using Microsoft.CodeAnalysis.Diagnostics;

namespace TelemetryHosting.Generators;

/// <summary>
/// Who reports TH0002: <see cref="TelemetryEventAnalyzer"/> when analyzers run in this build (so that <c>dotnet format</c>
/// and the IDE's live analysis see it and offer the <c>[PrivateMetadata]</c> fix), the generator otherwise (so that a
/// parameter left out of the body always fails the build). Both ask this class with the same options, so exactly one
/// of them reports.
/// </summary>
internal static class AnalyzerSettings
{
    /// <summary>
    /// Whether analyzers run in this build, as the compiler's targets decide (<c>_ComputeSkipAnalyzers</c>): not with
    /// <c>RunAnalyzers=false</c>, nor with <c>RunAnalyzersDuringBuild=false</c> when RunAnalyzers is unset, nor in an
    /// implicitly triggered build (Visual Studio's Run Tests, which may skip them). Without the properties (a project that
    /// does not import TelemetryHosting.targets, which makes them visible) the answer is no: the generator reports.
    /// </summary>
    public static bool AnalyzersReportTH0002(AnalyzerConfigOptions globalOptions)
    {
        // TelemetryHosting.targets makes RunAnalyzers visible: the key is there, empty when the property is unset.
        if (!globalOptions.TryGetValue("build_property.RunAnalyzers", out var runAnalyzers))
        {
            return false;
        }

        globalOptions.TryGetValue("build_property.RunAnalyzersDuringBuild", out var runAnalyzersDuringBuild);
        globalOptions.TryGetValue("build_property.IsImplicitlyTriggeredBuild", out var implicitlyTriggered);
        runAnalyzers = runAnalyzers?.Trim() ?? string.Empty;
        return !IsFalse(runAnalyzers)
            && !(runAnalyzers.Length == 0 && IsFalse(runAnalyzersDuringBuild))
            && !string.Equals(implicitlyTriggered?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsFalse(string? value) => string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
}
