using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace TelemetryHosting.Aspire.Tests;

/// <summary>
/// The sample AppHost, started once for the collection: the development gateway, the controller sample and the
/// native-AOT sample's service, each waited for until healthy. Every wait is bounded.
/// </summary>
public sealed class SampleAppHostFixture : IAsyncLifetime
{
    public const string Gateway = "telemetry";
    public const string WebApi = "webapi";
    public const string NativeAot = "nativeaot";

    /// <summary>The bound of the start: build the model, start DCP and the three processes, wait for them to be healthy.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>Gets how long the AppHost took to start and become healthy.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        var started = TimeProvider.System.GetTimestamp();
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TelemetryHosting_Samples_AppHost>(timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in (string[])[Gateway, WebApi, NativeAot])
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        StartTime = TimeProvider.System.GetElapsedTime(started);
    }

    public async Task DisposeAsync()
    {
        if (_app is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            // Even when the stop times out: disposing ends DCP and the processes it started.
            await _app.DisposeAsync();
        }
    }

    /// <summary>An HTTP client for one of the AppHost's endpoints, with a bounded timeout.</summary>
    public HttpClient CreateClient(string resource, string endpoint)
    {
        var client = App.CreateHttpClient(resource, endpoint);
        client.Timeout = TimeSpan.FromSeconds(15);
        return client;
    }

    /// <summary>Gets the current snapshot of a resource (its URLs, environment and health).</summary>
    public CustomResourceSnapshot Snapshot(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var state)
            ? state.Snapshot
            : throw new InvalidOperationException($"The AppHost has no resource '{resource}'.");
}
