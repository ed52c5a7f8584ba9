using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore;

/// <summary>
/// What the client event endpoint (<c>MapTelemetryEvents</c>) accepts from clients, and its limits. Clients are
/// untrusted: every limit is checked before the body is read or parsed where possible, and every refusal is answered
/// with a 4xx status and a message saying which limit was hit.
/// </summary>
public sealed class TelemetryClientEventsOptions
{
    /// <summary>
    /// The metadata key set to 1 on an event whose client timestamp was outside the accepted window and was replaced
    /// by the server's time. Clients may not send it themselves.
    /// </summary>
    public const string TimestampReplacedMetadataKey = "clientTimestampReplaced";

    /// <summary>
    /// Gets or sets a value indicating whether requests without an authenticated user are accepted. When
    /// <see langword="false"/>, the endpoint answers them 401 itself, even if the author did not call
    /// <c>RequireAuthorization()</c>. The default value is <see langword="false"/>.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an event's <c>timestamp</c> is used (within
    /// <see cref="MaxTimestampAge"/> and <see cref="MaxTimestampLead"/>). When <see langword="false"/>, it is ignored
    /// and every event gets the server's time. The default value is <see langword="true"/>.
    /// </summary>
    public bool AcceptTimestamp { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether an event's numeric <c>metadata</c> is recorded. When
    /// <see langword="false"/>, it is ignored. The default value is <see langword="true"/>.
    /// </summary>
    public bool AcceptMetadata { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether an event's <c>privateMetadata</c> is recorded. Private metadata may be
    /// sensitive and clients are untrusted, so it is ignored unless enabled. The default value is
    /// <see langword="false"/>.
    /// </summary>
    public bool AcceptPrivateMetadata { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an event's <c>client</c> name and version are recorded (as
    /// <c>source.client</c>). When <see langword="false"/>, they are ignored. The default value is
    /// <see langword="true"/>.
    /// </summary>
    public bool AcceptClient { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether a <c>TelemetryEventInput</c>'s <c>marketingTracking</c> (page URLs,
    /// referrers, a cohort and session ids) is recorded. Sourcegraph keeps it only for its public instance; turn it on
    /// only when the service has a reason to keep it. When <see langword="false"/>, it is ignored. The default value is
    /// <see langword="false"/>.
    /// </summary>
    public bool AcceptMarketingTracking { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the trace context the caller sent (a W3C <c>traceparent</c> header) is
    /// trusted. When <see langword="false"/>, events carry the request's trace id only when this service started the
    /// trace (the request's <see cref="System.Diagnostics.Activity"/> has no remote parent); a trace id a client chose is
    /// never recorded, and the event has no trace id. Turn it on only when every caller is a service of yours, for
    /// example a backend-for-frontend that forwards its own trace. The default value is <see langword="false"/>.
    /// </summary>
    public bool TrustCallerTraceContext { get; set; }

    /// <summary>
    /// Gets the feature prefixes clients may record, for example <c>web.</c>; an event whose feature starts with none
    /// of them is rejected. The default value is empty: any feature the gateway accepts.
    /// </summary>
    public IList<string> AllowedFeaturePrefixes { get; } = [];

    /// <summary>
    /// Gets or sets the most events one request may hold; a request with more is answered 413 and none of its events
    /// are recorded. The default value is 100.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxEventsPerRequest { get; set; } = 100;

    /// <summary>
    /// Gets or sets the largest request body, in bytes; a larger one is answered 413 (from its <c>Content-Length</c>
    /// when it has one, otherwise as soon as one byte more has been read). The default value is 262144 (256 KiB).
    /// </summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Gets or sets the most entries an event's <c>metadata</c> may hold, and the most values (at every nesting level)
    /// its <c>privateMetadata</c> may hold; an event with more is rejected. The default value is 64.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxMetadataEntries { get; set; } = 64;

    /// <summary>
    /// Gets or sets how deeply objects and arrays may nest inside an event's <c>privateMetadata</c> (the
    /// <c>privateMetadata</c> object itself is level 1); an event nested deeper is rejected. The default value is 8.
    /// </summary>
    [Range(1, 32)]
    public int MaxPrivateMetadataDepth { get; set; } = 8;

    /// <summary>
    /// Gets or sets how far in the past a client timestamp may be. An older one is replaced by the server's time and
    /// the event's metadata gets <see cref="TimestampReplacedMetadataKey"/> = 1. The default value is 24 hours.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan MaxTimestampAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Gets or sets how far in the future a client timestamp may be (clocks drift). A later one is replaced by the
    /// server's time and the event's metadata gets <see cref="TimestampReplacedMetadataKey"/> = 1. The default value is
    /// 5 minutes.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxTimestampLead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the per-user rate limit of requests to the endpoint, as a token bucket per partition: the SAMS
    /// external id (or name identifier, or name) of an authenticated user, otherwise the remote IP address (for IPv6,
    /// its /64 prefix; behind a proxy, set up ASP.NET Core's forwarded headers middleware first). A request
    /// over the limit is answered 429 with <c>Retry-After</c>. Set it to <see langword="null"/> to turn the built-in
    /// limit off, for example to apply an ASP.NET Core rate-limiting policy of your own with
    /// <c>RequireRateLimiting</c>. The default value is a bucket of 20 requests refilled with 1 request per second
    /// (60 requests a minute, bursts of 20), with no queue.
    /// </summary>
    public TokenBucketRateLimiterOptions? RateLimit { get; set; } = new()
    {
        TokenLimit = 20,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>
    /// Gets or sets the overall rate limit of anonymous requests (those without an authenticated user, when
    /// <see cref="AllowAnonymous"/> is on), as one token bucket that all of them share, applied after their
    /// per-address <see cref="RateLimit"/>; many addresses cannot add up to more than this. A request over it is answered
    /// 429 with <c>Retry-After</c>; authenticated users are not affected. It is independent of
    /// <see cref="RateLimit"/>: set it to <see langword="null"/> as well to turn every built-in limit off. The default
    /// value is a bucket of 200 requests refilled with 100 requests per second, with no queue.
    /// </summary>
    public TokenBucketRateLimiterOptions? AnonymousRateLimit { get; set; } = new()
    {
        TokenLimit = 200,
        TokensPerPeriod = 100,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
