using System.Globalization;

namespace TelemetryHosting.ModelTests;

/// <summary>One step of a model-based sequence; its <see cref="ToString"/> is what a failure prints.</summary>
internal sealed record Step(StepKind Kind, int Count = 0, TimeSpan Time = default)
{
    public override string ToString() => Kind switch
    {
        StepKind.RecordSmall or StepKind.RecordLarge or StepKind.RecordPrivate => $"{Kind}({Count})",
        StepKind.GatewayUnavailable or StepKind.GatewayHangs or StepKind.GatewayTooLarge => $"{Kind}(next {Count} calls)",
        StepKind.FlushBounded or StepKind.Advance => $"{Kind}({Format(Time)})",
        StepKind.StepWallClock => $"{Kind}({(Time < TimeSpan.Zero ? "-" : "+")}{Format(Time.Duration())})",
        _ => Kind.ToString(),
    };

    private static string Format(TimeSpan time) =>
        time.TotalHours >= 1 ? time.TotalHours.ToString("0.##", CultureInfo.InvariantCulture) + "h"
        : time.TotalSeconds >= 1 ? time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
        : time.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
}
