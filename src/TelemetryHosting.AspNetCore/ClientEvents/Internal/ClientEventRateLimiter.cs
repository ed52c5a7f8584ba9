using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The endpoint's per-user token buckets: <see cref="PartitionedRateLimiter"/>, the limiter behind ASP.NET Core's
/// rate-limiting middleware, applied by the endpoint itself so that it holds without <c>UseRateLimiter()</c> and
/// always after authentication (the partition is the user). Anonymous requests are partitioned by address (an IPv6
/// /64, which one subscriber usually holds whole) and also share one overall bucket, so that many addresses cannot
/// add up to an unbounded rate. Idle partitions are removed by the limiter.
/// </summary>
internal sealed class ClientEventRateLimiter : IDisposable
{
    private const string AnonymousPrefix = "ip:";

    private readonly PartitionedRateLimiter<string>? _limiter;

    // A chained limiter does not dispose the limiters it chains: they are disposed here.
    private readonly List<PartitionedRateLimiter<string>> _limiters = new(2);

    public ClientEventRateLimiter(IOptions<TelemetryClientEventsOptions> options)
    {
        var perPartition = Copy(options.Value.RateLimit);
        var anonymous = Copy(options.Value.AnonymousRateLimit);
        ReplenishmentPeriod = perPartition?.ReplenishmentPeriod ?? anonymous?.ReplenishmentPeriod ?? TimeSpan.Zero;

        var limiters = _limiters;
        if (perPartition is not null)
        {
            limiters.Add(PartitionedRateLimiter.Create<string, string>(
                partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => perPartition)));
        }

        if (anonymous is not null)
        {
            // After the per-address bucket: one address over its own limit does not spend the shared tokens.
            limiters.Add(PartitionedRateLimiter.Create<string, string>(
                partition => partition.StartsWith(AnonymousPrefix, StringComparison.Ordinal)
                    ? RateLimitPartition.GetTokenBucketLimiter("anonymous", _ => anonymous)
                    : RateLimitPartition.GetNoLimiter("user")));
        }

        _limiter = limiters.Count switch
        {
            0 => null,
            1 => limiters[0],
            _ => PartitionedRateLimiter.CreateChained([.. limiters]),
        };
    }

    /// <summary>Gets the refill period, the fallback <c>Retry-After</c> when a lease does not say.</summary>
    public TimeSpan ReplenishmentPeriod { get; }

    /// <summary>Returns a lease for one request of <paramref name="partition"/>, or <see langword="null"/> when rate limiting is off.</summary>
    public ValueTask<RateLimitLease>? AcquireAsync(string partition, CancellationToken cancellationToken) =>
        _limiter?.AcquireAsync(partition, 1, cancellationToken);

    /// <summary>The rate-limit partition: the authenticated user, else the remote address (its /64 for IPv6).</summary>
    public static string PartitionOf(HttpContext context, string? samsExternalId)
    {
        var user = context.User;
        var userId = user.Identity?.IsAuthenticated == true
            ? samsExternalId ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name
            : null;
        return string.IsNullOrEmpty(userId)
            ? AnonymousPrefix + AddressPartition(context.Connection.RemoteIpAddress)
            : "user:" + userId;
    }

    public void Dispose()
    {
        _limiter?.Dispose();
        foreach (var limiter in _limiters)
        {
            limiter.Dispose();
        }
    }

    private static string AddressPartition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        // One subscriber is usually given a whole /64 and can pick any address in it: the prefix is the caller.
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>A copy: later changes to the options object must not reach limiters created from it.</summary>
    private static TokenBucketRateLimiterOptions? Copy(TokenBucketRateLimiterOptions? configured) => configured is null ? null : new()
    {
        TokenLimit = configured.TokenLimit,
        TokensPerPeriod = configured.TokensPerPeriod,
        ReplenishmentPeriod = configured.ReplenishmentPeriod,
        QueueLimit = configured.QueueLimit,
        QueueProcessingOrder = configured.QueueProcessingOrder,
        AutoReplenishment = configured.AutoReplenishment,
    };
}
