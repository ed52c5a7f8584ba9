namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// An access token and when to stop using it, timed on the monotonic clock from when it was requested: a step of the
/// wall clock neither keeps an expired token nor throws away a good one. <see cref="ToString"/> leaves the token out.
/// </summary>
/// <param name="Value">The token, <c>sams_at_...</c>. Never logged.</param>
/// <param name="RequestedAt">The <see cref="TimeProvider.GetTimestamp"/> taken when it was requested.</param>
/// <param name="Lifetime">How long SAMS accepts it (<c>expires_in</c>), measured from <paramref name="RequestedAt"/>.</param>
/// <param name="RenewAfter">When it is renewed: the renewal margin before <paramref name="Lifetime"/> ends.</param>
internal sealed record SamsAccessToken(string Value, long RequestedAt, TimeSpan Lifetime, TimeSpan RenewAfter)
{
    public bool IsDueForRenewal(TimeProvider time) => time.GetElapsedTime(RequestedAt) >= RenewAfter;

    public bool HasExpired(TimeProvider time) => time.GetElapsedTime(RequestedAt) >= Lifetime;

    public override string ToString() => $"SAMS access token valid for {Lifetime}";
}
