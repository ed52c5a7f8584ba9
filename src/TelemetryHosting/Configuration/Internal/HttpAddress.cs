using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>The address rule every configured URL shares, with its message.</summary>
internal static class HttpAddress
{
    /// <summary>Adds an error unless <paramref name="address"/> is an absolute <c>http</c> or <c>https</c> address.</summary>
    /// <returns>Whether it is one.</returns>
    public static bool Check(Uri address, string property, ValidateOptionsResultBuilder failures)
    {
        if (address.IsAbsoluteUri && (address.Scheme == Uri.UriSchemeHttps || address.Scheme == Uri.UriSchemeHttp))
        {
            return true;
        }

        failures.AddError($"must be an absolute http or https address, but is '{address.OriginalString}'.", property);
        return false;
    }
}
