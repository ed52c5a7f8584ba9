using System.Diagnostics;
using System.Net;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// Whose trace id a client event carries: the service's, never one the client chose in <c>traceparent</c> unless the
/// caller's trace context is trusted.
/// </summary>
public sealed class ClientEventTraceTests : IDisposable
{
    private const string CallerTraceId = "0123456789abcdef0123456789abcdef";
    private const string CallerTraceparent = "00-" + CallerTraceId + "-0000000000000001-01";

    // ASP.NET Core starts an Activity for each request only when someone listens, as OpenTelemetry tracing does. The
    // listener also samples HttpClient's outgoing requests, as HTTP client instrumentation elsewhere in the process
    // does: the test's client must still send only the headers a test gives it (as a browser does), never a
    // traceparent of its own, or the service would rightly see the request as continuing the caller's trace.
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "System.Net.Http",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public ClientEventTraceTests() => ActivitySource.AddActivityListener(_listener);

    [Fact]
    public async Task Post_CallerSendsTraceparent_EventDoesNotCarryTheCallersTraceId()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: ("traceparent", CallerTraceparent));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(app.Recorder.Events);
        Assert.NotEqual(CallerTraceId, recorded.TraceId?.ToHexString());
    }

    [Fact]
    public async Task Post_CallerTraceContextTrusted_EventCarriesTheCallersTraceId()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.TrustCallerTraceContext = true);

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: ("traceparent", CallerTraceparent));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(CallerTraceId, Assert.Single(app.Recorder.Events).TraceId?.ToHexString());
    }

    [Fact]
    public void TrustCallerTraceContext_Default_IsFalse() => Assert.False(new TelemetryClientEventsOptions().TrustCallerTraceContext);

    [Fact]
    public async Task Post_TraceStartedByTheService_EventCarriesTheRequestsTraceId()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(app.Recorder.Events);
        Assert.NotNull(recorded.TraceId);
        Assert.NotEqual(default, recorded.TraceId.Value);
    }

    public void Dispose() => _listener.Dispose();
}
