using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TelemetryHosting.AspNetCore.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the browser exporter's script, the client half of the client event endpoint.</summary>
public static class TelemetryExporterScriptEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET</c> and <c>HEAD <paramref name="pattern"/></c> to the browser exporter: an ES module exporting
    /// <c>TelemetryHostingExporter</c>, a <c>TelemetryExporter</c> for <c>@sourcegraph/telemetry</c> that posts events to
    /// the endpoint of <see cref="TelemetryClientEventsEndpointRouteBuilderExtensions.MapTelemetryEvents"/> (the same
    /// file as the npm package <c>telemetryhosting-exporter</c>). Served from the assembly as <c>text/javascript</c> with
    /// <c>X-Content-Type-Options: nosniff</c>, an <c>ETag</c> (answering <c>If-None-Match</c> with 304) and
    /// <c>Cache-Control: public, max-age=3600</c>. Needs no services.
    /// </summary>
    /// <param name="endpoints">The application or route group.</param>
    /// <param name="pattern">The route, for example <c>/telemetry/exporter.js</c>.</param>
    /// <returns>The endpoint's convention builder, for example to chain <c>AllowAnonymous()</c> under a fallback authorization policy.</returns>
    public static IEndpointConventionBuilder MapTelemetryExporterScript(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        return endpoints
            .MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], ExporterScript.WriteAsync)
            .WithDisplayName("Telemetry exporter script");
    }
}
