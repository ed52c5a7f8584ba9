using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The endpoint's per-user token buckets: <see cref="PartitionedRateLimiter"/>, the limiter behind ASP.NET Core's
/// rate-limiting middleware, applied by the endpoint itself so that it holds without <c>UseRateLimiter()</c> and
/// always after authentication (the partition is the user). Idle partitions are removed by the limiter.
/// </summary>
internal sealed class ClientEventRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public ClientEventRateLimiter(IOptions<TelemetryClientEventsOptions> options)
    {
        if (options.Value.RateLimit is not { } configured)
        {
            return;
        }

        // A copy: later changes to the options object must not reach limiters created from it.
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = configured.TokenLimit,
            TokensPerPeriod = configured.TokensPerPeriod,
            ReplenishmentPeriod = configured.ReplenishmentPeriod,
            QueueLimit = configured.QueueLimit,
            QueueProcessingOrder = configured.QueueProcessingOrder,
            AutoReplenishment = configured.AutoReplenishment,
        };
        ReplenishmentPeriod = bucket.ReplenishmentPeriod;
        _limiter = PartitionedRateLimiter.Create<string, string>(
            partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => bucket));
    }

    /// <summary>Gets the refill period, the fallback <c>Retry-After</c> when a lease does not say.</summary>
    public TimeSpan ReplenishmentPeriod { get; }

    /// <summary>Returns a lease for one request of <paramref name="partition"/>, or <see langword="null"/> when rate limiting is off.</summary>
    public ValueTask<RateLimitLease>? AcquireAsync(string partition, CancellationToken cancellationToken) =>
        _limiter?.AcquireAsync(partition, 1, cancellationToken);

    public void Dispose() => _limiter?.Dispose();
}
