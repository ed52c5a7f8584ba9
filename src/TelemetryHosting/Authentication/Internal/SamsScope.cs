namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// The SAMS scope format <c>service::permission::action</c>: service <c>^[a-z_]{1,30}$</c>, permission
/// <c>^[a-z_.]{1,215}$</c>, action <c>read</c>, <c>write</c> or <c>delete</c>.
/// </summary>
internal static class SamsScope
{
    /// <summary>Returns why <paramref name="scope"/> is malformed, or <see langword="null"/> when it is well formed.</summary>
    public static string? Validate(string? scope)
    {
        if (string.IsNullOrEmpty(scope))
        {
            return "a scope must not be empty";
        }

        var parts = scope.Split("::");
        if (parts.Length != 3)
        {
            return "a scope has the form service::permission::action";
        }

        if (!IsPart(parts[0], 30, allowDot: false))
        {
            return "the service must be 1 to 30 characters a-z or _";
        }

        if (!IsPart(parts[1], 215, allowDot: true))
        {
            return "the permission must be 1 to 215 characters a-z, _ or .";
        }

        return parts[2] is "read" or "write" or "delete" ? null : "the action must be read, write or delete";
    }

    private static bool IsPart(string value, int maxLength, bool allowDot)
    {
        if (value.Length == 0 || value.Length > maxLength)
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
