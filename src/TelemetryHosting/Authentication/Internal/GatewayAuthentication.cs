using Grpc.Core;
using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// Runs an export attempt with the gateway's authentication rules: on <c>Unauthenticated</c> the cached token is
/// dropped and the attempt repeated once with a fresh one; <c>PermissionDenied</c> (an inactive client or token, a
/// missing scope) is a configuration error, logged loudly once per interval and left to the retry pipeline's backoff
/// (the token is dropped too, so the next attempt uses a fresh one).
/// </summary>
internal sealed class GatewayAuthentication
{
    private static readonly TimeSpan DeniedLogInterval = TimeSpan.FromMinutes(1);

    private readonly SamsTokenProvider _tokens;
    private readonly AuthenticationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogThrottle _deniedLog;

    public GatewayAuthentication(SamsTokenProvider tokens, AuthenticationMetrics metrics, TimeProvider timeProvider, ILogger<GatewayAuthentication> logger)
    {
        _tokens = tokens;
        _metrics = metrics;
        _logger = logger;
        _deniedLog = new LogThrottle(timeProvider, DeniedLogInterval);
    }

    /// <summary>Runs <paramref name="attempt"/>, and once more with a renewed token when the gateway answers Unauthenticated.</summary>
    /// <param name="attempt">The export attempt.</param>
    /// <param name="cancellationToken">Cancels the attempts.</param>
    /// <exception cref="RpcException">
    /// The attempt failed, or no token could be obtained: <c>Unavailable</c> while SAMS is unreachable,
    /// <c>Unauthenticated</c> when it refuses the client; either way the retry pipeline tries again later.
    /// </exception>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        await EnsureTokenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await attempt(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Unauthenticated && _tokens.IsEnabled)
        {
            _metrics.Failed(AuthenticationMetrics.Unauthenticated);
            Log.GatewayUnauthenticated(_logger, LogText.Escape(exception.Status.Detail));
            _tokens.Invalidate();
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.PermissionDenied)
        {
            ReportDenied(exception);
            throw;
        }

        await EnsureTokenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await attempt(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            ReportDenied(exception);
            throw;
        }
    }

    /// <summary>
    /// Obtains the token before the call starts. A failure inside the call's credentials would surface from the
    /// stream's writes as a cancellation; here it becomes a status the retry pipeline handles, and the call then
    /// finds the token cached.
    /// </summary>
    private async ValueTask EnsureTokenAsync(CancellationToken cancellationToken)
    {
        if (!_tokens.IsEnabled)
        {
            return;
        }

        try
        {
            await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SamsTokenException exception)
        {
            var status = exception.Failure == SamsTokenFailure.Refused ? StatusCode.Unauthenticated : StatusCode.Unavailable;
            throw new RpcException(new Status(status, exception.Message, exception));
        }
    }

    private void ReportDenied(RpcException exception)
    {
        if (exception.StatusCode == StatusCode.PermissionDenied)
        {
            // The gateway says the same of a revoked or expired token as of a missing scope: the next attempt, after
            // the pipeline's backoff, uses a fresh token, so that a revoked one is not reused until it expires.
            _tokens.Invalidate();
        }

        _metrics.Failed(exception.StatusCode == StatusCode.PermissionDenied ? AuthenticationMetrics.PermissionDenied : AuthenticationMetrics.Unauthenticated);
        if (_deniedLog.ShouldLog())
        {
            Log.GatewayDenied(_logger, exception.StatusCode, LogText.Escape(exception.Status.Detail), _tokens.IsEnabled);
        }
    }
}
