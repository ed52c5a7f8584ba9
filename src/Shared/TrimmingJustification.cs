// Linked into TelemetryHosting and TelemetryHosting.AspNetCore, whose options carry [Range(typeof(TimeSpan), ...)].
namespace TelemetryHosting.Shared;

/// <summary>Why a suppressed trimming warning cannot happen, written once for every place that suppresses it.</summary>
internal static class TrimmingJustification
{
    /// <summary>For IL2026 on <c>[Range(typeof(TimeSpan), …)]</c> of an options property.</summary>
    public const string TimeSpanRange =
        "Checked by the source-generated [OptionsValidator], which emits its own TimeSpan range comparison; the DataAnnotations runtime Validator, which needs TypeConverter reflection, never reads this attribute.";
}
