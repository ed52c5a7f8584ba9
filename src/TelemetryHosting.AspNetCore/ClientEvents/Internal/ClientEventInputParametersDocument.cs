using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>A <c>TelemetryEventInput</c>'s <c>parameters</c>.</summary>
internal sealed class ClientEventInputParametersDocument
{
    public int? Version { get; set; }

    [JsonPropertyName("interactionID")]
    public string? InteractionId { get; set; }

    /// <summary>Gets or sets the metadata: an array of <c>{ "key", "value" }</c>, read by the parser.</summary>
    public JsonElement? Metadata { get; set; }

    /// <summary>Gets or sets the private metadata: any JSON value (Sourcegraph wraps one that is not an object).</summary>
    public JsonElement? PrivateMetadata { get; set; }

    public ClientEventInputBillingDocument? BillingMetadata { get; set; }
}
