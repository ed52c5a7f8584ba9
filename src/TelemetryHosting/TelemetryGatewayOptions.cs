using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using TelemetryHosting.Shared;

namespace TelemetryHosting;

/// <summary>
/// Options of the telemetry recorder and its delivery to the Telemetry Gateway, bound from the configuration
/// section <c>TelemetryGateway</c> by default.
/// </summary>
public sealed class TelemetryGatewayOptions
{
    /// <summary>
    /// Gets or sets the gateway's address. The default value is <c>https://telemetry-gateway.sourcegraph.com:443</c>,
    /// the production gateway.
    /// </summary>
    [Required]
    public Uri? Endpoint { get; set; } = new("https://telemetry-gateway.sourcegraph.com:443");

    /// <summary>
    /// Gets or sets the name of a connection string, <c>ConnectionStrings:{name}</c> in the application's configuration,
    /// whose values replace <see cref="Endpoint"/>, <c>Sams:Url</c>, <c>Sams:ClientId</c> and <c>Sams:ClientSecret</c>:
    /// <c>Endpoint={gateway URL};SamsUrl={SAMS URL};ClientId={id};ClientSecret={secret}</c>, each key optional. An Aspire
    /// AppHost's <c>WithReference</c> to the development gateway sets it (<c>TelemetryGateway__ConnectionName</c>) and
    /// passes the connection string. The default value is <see langword="null"/> (none). A name without its connection
    /// string, or a connection string with an unknown key, fails at start.
    /// </summary>
    public string? ConnectionName { get; set; }

    /// <summary>
    /// Gets or sets the id of the managed service that records events, sent as the stream's
    /// <c>managed_service.service_id</c>. Required; there is no default value, except that with
    /// <see cref="ConnectionName"/> set (a service under an Aspire AppHost) an empty one becomes configuration's
    /// <c>OTEL_SERVICE_NAME</c>, which Aspire sets to the resource's name.
    /// </summary>
    [Required]
    public string ServiceId { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the service's environment, for example <c>prod</c> or <c>dev</c>. The default value is
    /// <see langword="null"/> (not sent).
    /// </summary>
    public string? ServiceEnvironment { get; set; }

    /// <summary>
    /// Gets or sets the service's own version, sent as every event's <c>source.server.version</c>. The default
    /// value is <see langword="null"/>, which means the entry assembly's informational version.
    /// </summary>
    public string? ServiceVersion { get; set; }

    /// <summary>
    /// Gets or sets how many events may wait for delivery. When the queue is full, recording returns
    /// <see langword="false"/> and the event is counted as dropped with reason <c>queue_full</c>.
    /// The default value is 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets the most events sent in one export (one gateway stream). A batch is sent as soon as it is
    /// full. The default value is 1,000.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets the most encoded bytes of events sent in one export. A batch is sent as soon as it reaches
    /// this size. The default value is 4 MiB (4,194,304).
    /// </summary>
    [Range(1_024, 64 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the most encoded bytes of events in one message of a stream; a batch is split into messages
    /// under this size, as the reference exporter does. An event larger than this travels alone.
    /// The default value is 1 MiB (1,048,576).
    /// </summary>
    [Range(1_024, 64 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets the longest time an event waits for its batch to fill before the batch is sent anyway.
    /// The default value is 5 seconds.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long one export attempt (one gateway stream) may take. The gateway ends streams after
    /// 2 minutes, so at most 100 seconds is allowed. The default value is 30 seconds.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:40")]
    public TimeSpan ExportTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how many times an event is sent while the gateway leaves it out of its acknowledgements (or it, or a
    /// proxy in front of it, refuses the event as too large alone in a stream) before it is given up and counted as
    /// dropped with reason <c>rejected</c>. The default value is 5.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxEventAttempts { get; set; } = 5;

    /// <summary>
    /// Gets or sets the delay before the first retry of a failed export; later retries back off exponentially,
    /// with jitter. The default value is 1 second.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the longest delay between retries of a failed export. Exports are retried until they
    /// succeed or the host stops; meanwhile new events wait in the queue. The default value is 30 seconds.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the failure ratio, within <see cref="CircuitBreakerSamplingDuration"/>, at which export attempts
    /// stop for <see cref="CircuitBreakerBreakDuration"/>, so that an outage is not hammered. The default value is 0.5.
    /// </summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets the window over which the circuit breaker measures failures. The default value is 30 seconds.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many attempts the window must hold before the circuit breaker may open. The default value is 4.</summary>
    [Range(2, 10_000)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 4;

    /// <summary>Gets or sets how long the circuit stays open before an attempt probes the gateway again. The default value is 15 seconds.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how far apart repeated export failures are logged; the first failure of an outage is logged at
    /// once, later ones are summarised at most once per interval. The default value is 1 minute.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FailureLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets durable spill of unsent events to disk. Off unless <see cref="TelemetryGatewayPersistenceOptions.Directory"/>
    /// is set.
    /// </summary>
    [ValidateObjectMembers]
    public TelemetryGatewayPersistenceOptions Persistence { get; set; } = new();

    /// <summary>
    /// Gets or sets how the service authenticates to the gateway (SAMS client credentials), bound from
    /// <c>TelemetryGateway:Sams</c>. The default value is an instance with no client: no token is sent, which only a
    /// gateway on a loopback address accepts.
    /// </summary>
    [Required]
    [ValidateObjectMembers]
    public TelemetryGatewaySamsOptions Sams { get; set; } = new();

    /// <summary>
    /// Gets or sets a value indicating whether plain <c>http</c> is accepted for the gateway and SAMS addresses on
    /// hosts other than loopback ones. Events, the SAMS client secret and tokens then travel unencrypted, and a
    /// warning is logged at start. The default value is <see langword="false"/>: <c>https</c> is required except for
    /// <c>localhost</c>, <c>127.0.0.0/8</c> and <c>::1</c>.
    /// </summary>
    public bool AllowInsecureTransport { get; set; }
}
