using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <summary>Fault injection settings in force when a <see cref="DevelopmentGateway"/> starts. See <see cref="GatewayFaults"/>.</summary>
public sealed class GatewayFaultOptions
{
    /// <summary>Gets or sets the fraction (0 to 1) of events that fail: their ids are left out of the response.</summary>
    /// <value>The default value is 0.</value>
    public double RejectFraction { get; set; }

    /// <summary>Gets or sets the seed that makes <see cref="RejectFraction"/> deterministic.</summary>
    /// <value>The default value is 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets the features whose events are always refused (left out of the response).</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> RejectFeatures { get; } = [];

    /// <summary>Gets or sets how many calls, from the start, fail with <see cref="FailCallsStatus"/>.</summary>
    /// <value>The default value is 0.</value>
    public int FailNextCalls { get; set; }

    /// <summary>Gets or sets the status code of calls failed by <see cref="FailNextCalls"/>.</summary>
    /// <value>The default value is <see cref="StatusCode.Unavailable"/>.</value>
    public StatusCode FailCallsStatus { get; set; } = StatusCode.Unavailable;

    /// <summary>Gets or sets the delay before each response (each payload's response on a stream, the unary response).</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Gets or sets a value indicating whether every SAMS token is treated as inactive (PermissionDenied).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RejectTokens { get; set; }

    /// <summary>Gets or sets a value indicating whether token introspection fails (Internal "unable to validate token").</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FailTokenIntrospection { get; set; }

    /// <summary>Gets or sets how many RecordEvents streams, from the start, are aborted on their first events payload.</summary>
    /// <value>The default value is 0.</value>
    public int AbortNextStreams { get; set; }
}
