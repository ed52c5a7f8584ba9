using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Reads the interaction id of a request, for enrichment and for client events alike.</summary>
internal static class InteractionIdHeader
{
    /// <summary>Returns the first value of <paramref name="header"/>, or <see langword="null"/> when it is absent or blank.</summary>
    public static string? Find(HttpRequest request, string header) =>
        request.Headers.TryGetValue(header, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[0])
            ? values[0]
            : null;
}
