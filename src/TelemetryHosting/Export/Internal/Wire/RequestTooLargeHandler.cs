using System.Net;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Turns a proxy's HTTP 413 without a gRPC status (else only <c>Unknown</c>) into the call's debug exception, where
/// <see cref="Resilience.Internal.ExportFailure.IsRequestTooLarge"/> finds it.
/// </summary>
internal sealed class RequestTooLargeHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.RequestEntityTooLarge || response.Headers.Contains("grpc-status"))
        {
            return response;
        }

        // Disposing the response resets the stream, which ends the request body's upload.
        response.Dispose();
        throw new HttpRequestException(
            "The gateway or a proxy in front of it refused the stream as too large (HTTP 413).", null, HttpStatusCode.RequestEntityTooLarge);
    }
}
