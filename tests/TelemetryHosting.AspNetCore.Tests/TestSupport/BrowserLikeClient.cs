using System.Diagnostics;

namespace TelemetryHosting.AspNetCore.Tests.TestSupport;

/// <summary>
/// An <see cref="HttpClient"/> that calls the client event endpoint as a browser does: it sends only the headers a
/// test gives it. HttpClient otherwise adds a <c>traceparent</c> of its own whenever anything in the test process
/// samples its requests (OpenTelemetry's HTTP client instrumentation in a test running alongside), and the endpoint
/// would then rightly treat the request as continuing the caller's trace.
/// </summary>
internal static class BrowserLikeClient
{
    public static HttpClient Create(Uri baseAddress) =>
        new(new SocketsHttpHandler { ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator() })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
}
