namespace TelemetryHosting.DevGateway.Internal;

/// <summary>SAMS scope matching (GATEWAY.md section 6): <c>service::permission::action</c>.</summary>
internal static class ScopeMatcher
{
    /// <summary>
    /// Returns whether <paramref name="granted"/> covers <paramref name="required"/>: service and action equal, and the
    /// permission equal or the required permission a dotted child of the granted one.
    /// </summary>
    public static bool Covers(string granted, string required)
    {
        if (!TryParse(granted, out var g) || !TryParse(required, out var r))
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

    /// <summary>Parses and checks the scope format: service <c>^[a-z_]{1,30}$</c>, permission <c>^[a-z_.]{1,215}$</c>, action read|write|delete.</summary>
    public static bool TryParse(string scope, out (string Service, string Permission, string Action) parsed)
    {
        parsed = default;
        var parts = scope.Split("::");
        if (parts.Length != 3
            || !IsValidPart(parts[0], 30, allowDot: false)
            || !IsValidPart(parts[1], 215, allowDot: true)
            || parts[2] is not ("read" or "write" or "delete"))
        {
            return false;
        }

        parsed = (parts[0], parts[1], parts[2]);
        return true;
    }

    private static bool IsValidPart(string value, int maxLength, bool allowDot)
    {
        if (value.Length is 0 || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterLower(c) && c != '_' && !(allowDot && c == '.'))
            {
                return false;
            }
        }

        return true;
    }
}
