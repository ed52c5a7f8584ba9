using Grpc.Core;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The gateway's SAMS bearer token check (docs/gateway-contract.md, "Authentication"), message for message.</summary>
internal static class SamsTokenCheck
{
    /// <summary>Checks the <c>authorization</c> values of a call; returns <see langword="null"/> when the token is good, else the status to fail with.</summary>
    /// <param name="anyMetadata">Whether the call carried any metadata at all.</param>
    /// <param name="authorization">Every value of the <c>authorization</c> header.</param>
    /// <param name="sams">Introspects the token.</param>
    /// <param name="faults">May reject the token or fail introspection.</param>
    public static Status? Check(bool anyMetadata, IReadOnlyList<string> authorization, SamsEmulator sams, GatewayFaults faults)
    {
        if (!anyMetadata)
        {
            return new Status(StatusCode.Unauthenticated, "no token header");
        }

        if (authorization.Count != 1 || string.IsNullOrEmpty(authorization[0]))
        {
            return new Status(StatusCode.Unauthenticated, "no token header value");
        }

        // Like Go's strings.SplitN(header, " ", 2): the type is everything before the first space.
        var header = authorization[0];
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return new Status(StatusCode.Unauthenticated, "invalid token header: token type missing in Authorization header");
        }

        var type = header[..space];
        if (!type.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            return new Status(StatusCode.Unauthenticated, $"invalid token header: invalid token type {type} in Authorization header");
        }

        if (faults.TryInject(o => o.FailTokenIntrospection))
        {
            return new Status(StatusCode.Internal, "unable to validate token");
        }

        var introspection = sams.Introspect(header[(space + 1)..]);
        if (introspection is null || faults.TryInject(o => o.RejectTokens))
        {
            return new Status(StatusCode.PermissionDenied, "permission denied");
        }

        return ScopeMatcher.AnyCovers(introspection.Scopes, DevelopmentGatewayOptions.TelemetryWriteScope)
            ? null
            : new Status(StatusCode.PermissionDenied, "permission denied");
    }
}
