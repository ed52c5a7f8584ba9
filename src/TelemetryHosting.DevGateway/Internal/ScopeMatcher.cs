using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>SAMS scope matching (docs/gateway-contract.md, "Authentication"): <c>service::permission::action</c>.</summary>
internal static class ScopeMatcher
{
    /// <summary>
    /// Returns whether <paramref name="granted"/> covers <paramref name="required"/>: service and action equal, and the
    /// permission equal or the required permission a dotted child of the granted one.
    /// </summary>
    public static bool Covers(string granted, string required)
    {
        if (!SamsScope.TryParse(granted, out var g) || !SamsScope.TryParse(required, out var r))
        {
            return false;
        }

        return g.Service == r.Service
            && g.Action == r.Action
            && (g.Permission == r.Permission
                || (r.Permission.Length > g.Permission.Length
                    && r.Permission.StartsWith(g.Permission, StringComparison.Ordinal)
                    && r.Permission[g.Permission.Length] == '.'));
    }

    /// <summary>Returns whether any of the granted scopes covers the required one.</summary>
    public static bool AnyCovers(IEnumerable<string> granted, string required) => granted.Any(g => Covers(g, required));
}
