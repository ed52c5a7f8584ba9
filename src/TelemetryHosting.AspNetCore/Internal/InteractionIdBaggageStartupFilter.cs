using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// When <see cref="TelemetryAspNetCoreOptions.PropagateInteractionIdInBaggage"/> is on, puts each request's interaction id
/// into W3C baggage before the rest of the pipeline runs, so that whatever the request starts carries it. Off, it adds
/// nothing to the pipeline.
/// </summary>
internal sealed class InteractionIdBaggageStartupFilter : IStartupFilter
{
    private readonly IOptions<TelemetryAspNetCoreOptions> _options;
    private readonly InteractionIdHeader _header;

    public InteractionIdBaggageStartupFilter(IOptions<TelemetryAspNetCoreOptions> options, InteractionIdHeader header)
    {
        _options = options;
        _header = header;
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (_options.Value.PropagateInteractionIdInBaggage)
        {
            app.Use(PutInteractionIdInBaggage);
        }

        next(app);
    };

    private async Task PutInteractionIdInBaggage(HttpContext context, RequestDelegate next)
    {
        // The same checked value the enrichment uses (read and counted once a request); an unusable header changes nothing.
        if (_header.Find(context.Request) is { } interactionId)
        {
            // OpenTelemetry's baggage is an async-local: set in this async method, it flows into the rest of this request
            // and what it starts, and the caller's value is back when this method returns. The activity's baggage is
            // what .NET's own HTTP propagator sends when the OpenTelemetry SDK is not in use (there is an activity only
            // when something listens).
            Baggage.SetBaggage(TelemetryEventParameters.InteractionIdBaggageKey, interactionId);
            Activity.Current?.SetBaggage(TelemetryEventParameters.InteractionIdBaggageKey, interactionId);
        }

        await next(context).ConfigureAwait(false);
    }
}
