using System.ComponentModel.DataAnnotations;

namespace TelemetryHosting.AspNetCore;

/// <summary>Where the ASP.NET Core enrichment finds an event's interaction id and user.</summary>
public sealed class TelemetryAspNetCoreOptions
{
    /// <summary>
    /// Gets or sets the request header holding the interaction id, sent as <c>interaction.interaction_id</c>.
    /// The default value is <c>X-Sourcegraph-Interaction-ID</c>, the header Sourcegraph clients send.
    /// </summary>
    [Required]
    public string InteractionIdHeader { get; set; } = "X-Sourcegraph-Interaction-ID";

    /// <summary>
    /// Gets or sets the claim of the authenticated user holding the SAMS external id, sent as
    /// <c>user.sams_external_id</c>. The default value is <c>sub</c>, the SAMS OpenID Connect subject; with that
    /// default, <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/> (what authentication handlers that map
    /// inbound claims turn <c>sub</c> into) is used when there is no <c>sub</c> claim.
    /// </summary>
    [Required]
    public string SamsExternalIdClaimType { get; set; } = "sub";

    /// <summary>
    /// Gets or sets a value indicating whether a request's interaction id (from <see cref="InteractionIdHeader"/>, when it
    /// passes the header's rule) is put into W3C baggage under <see cref="TelemetryEventParameters.InteractionIdBaggageKey"/>
    /// for the rest of the request. Work the request starts (background tasks, outgoing HTTP and gRPC calls whose
    /// propagator sends baggage) then carries it, and events recorded there, here or in a downstream service using this
    /// library, get it. Set both in OpenTelemetry's <c>Baggage</c> and on the request's <c>Activity</c>. The default value
    /// is <see langword="false"/>: the header is the client's, and baggage leaves the service with every outgoing call.
    /// </summary>
    public bool PropagateInteractionIdInBaggage { get; set; }
}
