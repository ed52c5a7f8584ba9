using System.Net;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Turns an HTTP 413 that carries no gRPC status (a proxy or load balancer in front of the gateway refusing a stream's
/// body as too large) into an <see cref="HttpRequestException"/> with that status code. Grpc.Net.Client would report it
/// only as <c>Unknown</c> with a message; the call's status keeps the exception as its debug exception, where
/// <see cref="Resilience.Internal.ExportFailure.IsRequestTooLarge"/> finds it, and the exporter sends the events in
/// smaller streams.
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
