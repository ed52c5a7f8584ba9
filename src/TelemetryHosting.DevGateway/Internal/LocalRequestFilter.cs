using System.Net;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// Serves the machine itself only. A request naming another host is refused on both ports: a page on another site can
/// point its own host name at 127.0.0.1 (DNS rebinding) and would then be same-origin with the gateway. A cross-site
/// request to <c>/api/events</c> or <c>/oauth/token</c> (an <c>Origin</c> that is not loopback, or
/// <c>Sec-Fetch-Site: cross-site</c> without one) is refused too, so that no other site reads or clears what the gateway
/// received, nor gets a token with the well-known development credentials (a form POST needs no preflight; real OAuth
/// clients send no <c>Origin</c>).
/// </summary>
internal static class LocalRequestFilter
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsLoopbackHost(context.Request.Host.Host))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(
                "The development gateway serves loopback host names only (localhost, 127.0.0.1, [::1]).", context.RequestAborted);
        }

        if (context.Request.Path.StartsWithSegments("/api/events", StringComparison.OrdinalIgnoreCase) && IsCrossSite(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(
                "Cross-site requests to /api/events are refused: the events are for pages served from this machine.", context.RequestAborted);
        }

        if (context.Request.Path.StartsWithSegments(SamsTokenEndpoint.Path, StringComparison.OrdinalIgnoreCase) && IsCrossSite(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsync(
                "Cross-site requests to /oauth/token are refused: tokens are for programs on this machine, which send no Origin.", context.RequestAborted);
        }

        return next(context);
    }

    private static bool IsCrossSite(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            // "null" (sandboxed frames, file: pages) and anything unparsable are not loopback either.
            return !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !IsLoopbackHost(uri.Host);
        }

        return string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopbackHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var address = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);
    }
}
