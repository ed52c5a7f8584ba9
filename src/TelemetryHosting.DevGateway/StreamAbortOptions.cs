namespace TelemetryHosting.DevGateway;

/// <summary>
/// Settings of <see cref="GatewayFaultOptions.AbortStreams"/>: RecordEvents streams are reset (HTTP/2 RST_STREAM) when
/// their first events payload arrives, before it is answered.
/// </summary>
public sealed class StreamAbortOptions : FaultInjectionOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether that payload's events are stored before the reset (the client never learns
    /// they arrived, so a retry makes duplicates); <see langword="false"/> drops them.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AcceptEventsFirst { get; set; }
}
