using System.Net;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>Whether an address stays on this machine, where plain <c>http</c> cannot be read by anyone else.</summary>
internal static class LoopbackAddress
{
    /// <summary>Returns whether the host of <paramref name="address"/> is <c>localhost</c>, in <c>127.0.0.0/8</c> or <c>::1</c>.</summary>
    public static bool IsLoopback(Uri address)
    {
        if (!address.IsAbsoluteUri)
        {
            return false;
        }

        var host = address.IdnHost;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Uri keeps the brackets of IPv6 literals in Host; IdnHost drops them, which IPAddress needs.
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>Returns whether <paramref name="address"/> is plain <c>http</c> to a host that is not loopback.</summary>
    public static bool IsCleartextToRemoteHost(Uri address) =>
        address.IsAbsoluteUri && address.Scheme == Uri.UriSchemeHttp && !IsLoopback(address);
}
