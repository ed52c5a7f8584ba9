using System.Globalization;

namespace TelemetryHosting.ModelTests;

/// <summary>
/// A run's size and shape, from the environment (see the test project's README.md): <c>TELEMETRYHOSTING_MODEL_SEQUENCES</c>
/// (a long run: that many sequences, no time limit), <c>TELEMETRYHOSTING_MODEL_SECONDS</c> (the time budget of a normal
/// run), <c>TELEMETRYHOSTING_MODEL_SEED</c> (repeat one sequence: the seed a failure printed),
/// <c>TELEMETRYHOSTING_MODEL_THREADS</c> (sequences at a time, each with its own gateway) and
/// <c>TELEMETRYHOSTING_MODEL_EXCLUDE</c> (step kinds, or <c>NotStarted</c>, left out of generated sequences: to look past
/// a defect already found).
/// </summary>
internal static class ModelRunSettings
{
    /// <summary>The sequences of a run without a time budget (CsCheck ignores the count when a time is set).</summary>
    public const int DefaultSequences = 2_000;

    public const int DefaultSeconds = 55;

    public static string? Seed => Environment.GetEnvironmentVariable("TELEMETRYHOSTING_MODEL_SEED") is { Length: > 0 } seed ? seed : null;

    public static int? Sequences => ReadInt("TELEMETRYHOSTING_MODEL_SEQUENCES");

    /// <summary>Gets the time budget: the one set, else none for a long run and <see cref="DefaultSeconds"/> otherwise.</summary>
    public static int Seconds => ReadInt("TELEMETRYHOSTING_MODEL_SECONDS") ?? (Sequences is null ? DefaultSeconds : -1);

    public static int Threads => Math.Max(1, ReadInt("TELEMETRYHOSTING_MODEL_THREADS") ?? 6);

    /// <summary>Gets how long, in seconds, a failure's steps are removed one at a time to find a shorter failing sequence.</summary>
    public static int MinimizeSeconds => ReadInt("TELEMETRYHOSTING_MODEL_MINIMIZE_SECONDS") ?? 15;

    public static IReadOnlySet<string> Excluded { get; } =
        (Environment.GetEnvironmentVariable("TELEMETRYHOSTING_MODEL_EXCLUDE") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static int? ReadInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
