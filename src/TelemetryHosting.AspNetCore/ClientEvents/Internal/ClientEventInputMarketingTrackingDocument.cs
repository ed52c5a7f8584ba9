using System.Text.Json.Serialization;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>A <c>TelemetryEventInput</c>'s <c>marketingTracking</c>, with GraphQL's spelling of its names.</summary>
internal sealed class ClientEventInputMarketingTrackingDocument
{
    public string? Url { get; set; }

    [JsonPropertyName("firstSourceURL")]
    public string? FirstSourceUrl { get; set; }

    [JsonPropertyName("cohortID")]
    public string? CohortId { get; set; }

    public string? Referrer { get; set; }

    [JsonPropertyName("lastSourceURL")]
    public string? LastSourceUrl { get; set; }

    [JsonPropertyName("deviceSessionID")]
    public string? DeviceSessionId { get; set; }

    public string? SessionReferrer { get; set; }

    [JsonPropertyName("sessionFirstURL")]
    public string? SessionFirstUrl { get; set; }
}
