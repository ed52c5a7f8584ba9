// Linked into TelemetryHosting and TelemetryHosting.DevGateway so that the options validator and the development SAMS
// emulator apply one scope format.
namespace TelemetryHosting.Shared;

/// <summary>
/// The SAMS scope format <c>service::permission::action</c>: service <c>^[a-z_]{1,30}$</c>, permission
/// <c>^[a-z_.]{1,215}$</c>, action <c>read</c>, <c>write</c> or <c>delete</c>.
/// </summary>
internal static class SamsScope
{
    /// <summary>Returns why <paramref name="scope"/> is malformed, or <see langword="null"/> when it is well formed.</summary>
    public static string? Validate(string? scope) => Check(scope, out _);

    /// <summary>Parses a well-formed scope into its three parts.</summary>
    public static bool TryParse(string? scope, out (string Service, string Permission, string Action) parsed) =>
        Check(scope, out parsed) is null;

    private static string? Check(string? scope, out (string Service, string Permission, string Action) parsed)
    {
        parsed = default;
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

        if (parts[2] is not ("read" or "write" or "delete"))
        {
            return "the action must be read, write or delete";
        }

        parsed = (parts[0], parts[1], parts[2]);
        return null;
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
