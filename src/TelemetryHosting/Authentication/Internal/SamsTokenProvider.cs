using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// The SAMS access token of the gateway calls: cached, renewed a margin before it expires, and single-flight (however
/// many callers need a new token at once, one request is made and all of them await it). An expired token is never
/// handed out; a token that is due for renewal but not expired is, when the renewal fails.
/// </summary>
internal sealed class SamsTokenProvider
{
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromMinutes(1);

    private readonly SamsTokenClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly AuthenticationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogThrottle _refusedLog;
    private readonly LogThrottle _unavailableLog;
    private readonly Lock _lock = new();
    private SamsAccessToken? _token;
    private Task<SamsAccessToken>? _renewal;

    public SamsTokenProvider(
        SamsTokenClient client,
        IOptions<TelemetryGatewayOptions> options,
        TimeProvider timeProvider,
        AuthenticationMetrics metrics,
        ILogger<SamsTokenProvider> logger)
    {
        _client = client;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _refusedLog = new LogThrottle(timeProvider, FailureLogInterval);
        _unavailableLog = new LogThrottle(timeProvider, FailureLogInterval);
        IsEnabled = !string.IsNullOrEmpty(options.Value.Sams?.ClientId);
    }

    /// <summary>Gets a value indicating whether a SAMS client is configured; without one no token is sent.</summary>
    public bool IsEnabled { get; }

    /// <summary>Returns a token that has not expired, requesting a new one when the cached one is due for renewal.</summary>
    /// <exception cref="SamsTokenException">No usable token could be obtained.</exception>
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = Volatile.Read(ref _token);
        return token is not null && !token.IsDueForRenewal(_timeProvider)
            ? new ValueTask<string>(token.Value)
            : new ValueTask<string>(RenewAsync(cancellationToken));
    }

    /// <summary>Forgets the cached token, after the gateway refused it; the next call requests a new one.</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _token = null;
        }
    }

    private async Task<string> RenewAsync(CancellationToken cancellationToken)
    {
        SamsAccessToken? current;
        Task<SamsAccessToken> renewal;
        TaskCompletionSource<SamsAccessToken>? owner = null;
        lock (_lock)
        {
            current = _token;
            if (current is not null && !current.IsDueForRenewal(_timeProvider))
            {
                return current.Value;
            }

            if (_renewal is null)
            {
                owner = new TaskCompletionSource<SamsAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                _renewal = owner.Task;
            }

            renewal = _renewal;
        }

        if (owner is not null)
        {
            // The request belongs to no caller: one caller giving up must not fail the others waiting for it.
            _ = RequestAsync(owner);
        }

        if (current is not null && !current.HasExpired(_timeProvider))
        {
            // Renewal is early by design: while the current token lasts, calls use it and the renewal runs on its
            // own, so a slow token endpoint never holds up an export.
            return current.Value;
        }

        try
        {
            return (await renewal.WaitAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (SamsTokenException) when (current is not null && !current.HasExpired(_timeProvider))
        {
            // Renewal is early by design, so a token endpoint outage need not stop calls while the token lasts.
            return current.Value;
        }
    }

    private async Task RequestAsync(TaskCompletionSource<SamsAccessToken> completion)
    {
        try
        {
            var token = await _client.RequestTokenAsync(CancellationToken.None).ConfigureAwait(false);
            lock (_lock)
            {
                _token = token;
                _renewal = null;
            }

            completion.SetResult(token);
        }
#pragma warning disable CA1031 // Every failure is handed to the waiting callers.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var failure = exception as SamsTokenException
                ?? new SamsTokenException(SamsTokenFailure.Unavailable, $"The SAMS token request to {_client.Endpoint} failed: {exception.GetType().Name}.");
            lock (_lock)
            {
                _renewal = null;
            }

            Report(failure);
            completion.SetException(failure);

            // Nobody may be waiting (renewals run in the background while the current token lasts).
            _ = completion.Task.Exception;
        }
    }

    private void Report(SamsTokenException failure)
    {
        if (failure.Failure == SamsTokenFailure.Refused)
        {
            _metrics.Failed(AuthenticationMetrics.TokenRefused);
            if (_refusedLog.ShouldLog())
            {
                Log.SamsTokenRefused(_logger, failure.Message);
            }
        }
        else
        {
            _metrics.Failed(AuthenticationMetrics.TokenUnavailable);
            if (_unavailableLog.ShouldLog())
            {
                Log.SamsTokenUnavailable(_logger, failure.Message);
            }
        }
    }
}
