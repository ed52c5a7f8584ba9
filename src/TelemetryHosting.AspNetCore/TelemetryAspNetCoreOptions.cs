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
}
