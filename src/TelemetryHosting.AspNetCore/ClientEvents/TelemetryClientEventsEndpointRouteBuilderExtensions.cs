using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.AspNetCore;
using TelemetryHosting.AspNetCore.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoint through which a service's clients record telemetry events.</summary>
public static class TelemetryClientEventsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c>: clients send
    /// <c>{ "events": [ { "feature", "action", "timestamp", "metadata", "privateMetadata", "client" } ] }</c>, and each
    /// valid event is recorded with what only the service can vouch for: the authenticated user's SAMS external id,
    /// the request's trace id and interaction id, and the service's version. Answers 202 <c>{ "accepted", "dropped" }</c>
    /// when every event was valid; 400 problem details listing each rejected event by index (the valid ones are still
    /// recorded, counted in <c>accepted</c>); 401, 413, 415 or 429 problem details when the request as a whole is
    /// refused and nothing is recorded. Limits and accepted fields are set by <see cref="TelemetryClientEventsOptions"/>.
    /// </summary>
    /// <param name="endpoints">The application or route group.</param>
    /// <param name="pattern">The route, for example <c>/api/telemetry</c>.</param>
    /// <returns>The endpoint's convention builder, for example to chain <c>RequireAuthorization()</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddClientEvents()</c> was not called on the telemetry builder.</exception>
    public static IEndpointConventionBuilder MapTelemetryEvents(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(ClientEventEndpoint)) != true)
        {
            throw new InvalidOperationException(
                "MapTelemetryEvents needs the client event services: call services.AddTelemetryGateway(...).AddClientEvents() first.");
        }

        return endpoints
            .MapPost(pattern, context => context.RequestServices.GetRequiredService<ClientEventEndpoint>().HandleAsync(context))
            .WithDisplayName("Telemetry client events");
    }
}
