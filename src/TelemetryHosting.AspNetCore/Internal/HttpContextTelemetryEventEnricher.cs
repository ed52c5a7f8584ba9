using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Enriches events recorded during a request from its header and authenticated user.</summary>
internal sealed class HttpContextTelemetryEventEnricher : ITelemetryEventEnricher
{
    private readonly IHttpContextAccessor _accessor;
    private readonly InteractionIdHeader _interactionIdHeader;
    private readonly string _claimType;

    public HttpContextTelemetryEventEnricher(
        IHttpContextAccessor accessor, InteractionIdHeader interactionIdHeader, IOptions<TelemetryAspNetCoreOptions> options)
    {
        _accessor = accessor;
        _interactionIdHeader = interactionIdHeader;
        _claimType = options.Value.SamsExternalIdClaimType;
    }

    public void Enrich(ref TelemetryEventEnrichment enrichment)
    {
        var context = _accessor.HttpContext;
        if (context is null)
        {
            return;
        }

        try
        {
            enrichment.InteractionId ??= _interactionIdHeader.Find(context.Request);

            enrichment.SamsExternalId ??= SamsExternalIdClaim.Find(context.User, _claimType);
        }
        catch (ObjectDisposedException)
        {
            // The request ended while work it started still records events: there is nothing left to enrich from.
        }
    }
}
