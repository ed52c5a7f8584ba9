namespace TelemetryHosting.Authentication.Internal;

/// <summary>An access token and when to stop using it. <see cref="ToString"/> leaves the token out.</summary>
/// <param name="Value">The token, <c>sams_at_...</c>. Never logged.</param>
/// <param name="ExpiresAt">When SAMS stops accepting it, measured from when it was requested.</param>
/// <param name="RenewAt">When it is renewed: the renewal margin before <paramref name="ExpiresAt"/>.</param>
internal sealed record SamsAccessToken(string Value, DateTimeOffset ExpiresAt, DateTimeOffset RenewAt)
{
    public override string ToString() => $"SAMS access token expiring at {ExpiresAt:O}";
}
