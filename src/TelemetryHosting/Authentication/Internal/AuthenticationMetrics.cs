using System.Diagnostics.Metrics;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// The authentication instrument, on the library's meter. Authentication failures never drop events (the export is
/// retried and the events stay queued), so they are counted here rather than as dropped events.
/// </summary>
internal sealed class AuthenticationMetrics
{
    /// <summary>The token endpoint could not be reached or answered with a server error.</summary>
    public const string TokenUnavailable = "token_unavailable";

    /// <summary>The token endpoint refused the request: client id, secret or scopes are wrong.</summary>
    public const string TokenRefused = "token_refused";

    /// <summary>The gateway answered Unauthenticated; the token is renewed once and the export retried.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The gateway answered PermissionDenied: the token is inactive or lacks the scope.</summary>
    public const string PermissionDenied = "permission_denied";

    private readonly Counter<long> _failures;

    public AuthenticationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryHostingInstruments.MeterName);
        _failures = meter.CreateCounter<long>(
            TelemetryHostingInstruments.AuthFailures, "{failure}", "Failed SAMS token requests and gateway authentication failures, by reason.");
    }

    public void Failed(string reason) =>
        _failures.Add(1, new KeyValuePair<string, object?>(TelemetryHostingInstruments.ReasonTag, reason));
}
