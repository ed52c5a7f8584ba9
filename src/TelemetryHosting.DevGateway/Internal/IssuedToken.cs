namespace TelemetryHosting.DevGateway.Internal;

/// <summary>What the SAMS emulator knows about an access token it issued (its introspection answer).</summary>
internal sealed record IssuedToken(string Token, string ClientId, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, TimeSpan Lifetime);
