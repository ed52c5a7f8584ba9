namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The gateway settings fixed at start that the gRPC service reads.</summary>
internal sealed record GatewaySettings(bool RequireAuthentication, IReadOnlySet<string> LicenseKeys, TimeProvider TimeProvider);
