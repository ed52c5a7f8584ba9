namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Where one event lies in the request body, and what the first pass found about it.</summary>
internal sealed class ClientEventSlice
{
    public int Start { get; init; }

    public int Length { get; set; }

    /// <summary>Gets or sets whether the event is a <c>TelemetryEventInput</c> (it has <c>source</c> or <c>parameters</c>).</summary>
    public bool IsInput { get; set; }

    /// <summary>Gets or sets why the event is rejected before it is read (too many entries, values or tokens), or <see langword="null"/>.</summary>
    public string? Refusal { get; set; }
}
