using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;
using TelemetryHosting.Shared;
using Telemetrygateway.V1;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>
/// A host running the telemetry recorder against an in-process development gateway on a loopback port, with
/// the recorder's logs (every level) and dropped-event counts captured. Like the real gateway, the development
/// gateway requires a SAMS token by default; the recorder uses the gateway's default development client.
/// <see cref="StartAsync(Uri, Action{TelemetryGatewayOptions}?, TimeSpan?, bool, FakeTimeProvider?, Action{IServiceCollection}?)"/> points the recorder at any other
/// loopback gateway instead, without SAMS.
/// </summary>
internal sealed class RecorderHarness : IAsyncDisposable
{
    public const string ServiceId = "test-service";

    private readonly bool _ownsGateway;
    private readonly MetricCollector<int> _queueDepth;

    private readonly DevelopmentGateway? _gateway;
    private readonly TimeSpan _shutdownTimeout;

    private RecorderHarness(DevelopmentGateway? gateway, IHost host, bool ownsGateway, TimeSpan shutdownTimeout)
    {
        _ownsGateway = ownsGateway;
        _gateway = gateway;
        _shutdownTimeout = shutdownTimeout;
        Host = host;
        Recorder = host.Services.GetRequiredService<ITelemetryRecorder>();
        Logs = host.Services.GetFakeLogCollector();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        Dropped = new MetricCollector<long>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.EventsDropped);
        Exported = new MetricCollector<long>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.EventsExported);
        ExportFailures = new MetricCollector<long>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.ExportFailures);
        _queueDepth = new MetricCollector<int>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.QueueDepth);
        AuthFailures = new MetricCollector<long>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.AuthFailures);
    }

    public MetricCollector<long> ExportFailures { get; }

    public DevelopmentGateway Gateway =>
        _gateway ?? throw new InvalidOperationException("This harness runs against a gateway other than the development gateway.");

    public IHost Host { get; }

    public ITelemetryRecorder Recorder { get; }

    public FakeLogCollector Logs { get; }

    public MetricCollector<long> Dropped { get; }

    public MetricCollector<long> Exported { get; }

    public MetricCollector<long> AuthFailures { get; }

    /// <summary>Gets a value indicating whether <see cref="DisposeAsync"/> gave up waiting for the host to stop.</summary>
    public bool StopTimedOut { get; private set; }

    public static async Task<RecorderHarness> StartAsync(
        Action<TelemetryGatewayOptions>? configure = null,
        FakeTimeProvider? timeProvider = null,
        DevelopmentGatewayOptions? gatewayOptions = null,
        bool startHost = true,
        TimeSpan? shutdownTimeout = null,
        bool requireAuthentication = true,
        Action<IServiceCollection>? configureServices = null,
        DevelopmentGateway? gateway = null)
    {
        var ownsGateway = gateway is null;
        if (gateway is null)
        {
            gatewayOptions ??= new DevelopmentGatewayOptions();
            gatewayOptions.RequireAuthentication = requireAuthentication;
            if (timeProvider is not null)
            {
                gatewayOptions.TimeProvider = timeProvider;
            }

            gateway = await DevelopmentGateway.StartAsync(gatewayOptions);
        }

        var samsGateway = requireAuthentication ? gateway : null;
        return await StartAsync(gateway, gateway.Address, samsGateway, ownsGateway, configure, timeProvider, startHost, shutdownTimeout, configureServices);
    }

    /// <summary>
    /// Starts a recorder host against the gateway at <paramref name="endpoint"/> (a plaintext loopback address: no SAMS
    /// token is sent), with the same short test intervals. <see cref="Gateway"/> is not available on it.
    /// </summary>
    public static Task<RecorderHarness> StartAsync(
        Uri endpoint,
        Action<TelemetryGatewayOptions>? configure = null,
        TimeSpan? shutdownTimeout = null,
        bool startHost = true,
        FakeTimeProvider? timeProvider = null,
        Action<IServiceCollection>? configureServices = null) =>
        StartAsync(null, endpoint, null, ownsGateway: false, configure, timeProvider, startHost, shutdownTimeout, configureServices);

    private static async Task<RecorderHarness> StartAsync(
        DevelopmentGateway? gateway,
        Uri endpoint,
        DevelopmentGateway? samsGateway,
        bool ownsGateway,
        Action<TelemetryGatewayOptions>? configure,
        FakeTimeProvider? timeProvider,
        bool startHost,
        TimeSpan? shutdownTimeout,
        Action<IServiceCollection>? configureServices)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        var shutdown = shutdownTimeout ?? TimeSpan.FromSeconds(30);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdown);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(timeProvider);
        }

        builder.Services.AddTelemetryGateway(options =>
        {
            options.Endpoint = endpoint;
            options.ServiceId = ServiceId;
            options.ServiceVersion = "1.2.3-test";
            options.FlushInterval = TimeSpan.FromMilliseconds(50);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            options.CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500);
            if (samsGateway is not null)
            {
                options.Sams.Url = samsGateway.WebAddress;
                options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
                options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
            }

            configure?.Invoke(options);
        });
        configureServices?.Invoke(builder.Services);

        var host = builder.Build();

        // The collectors listen before the host starts, so nothing the worker counts at start-up is missed.
        var harness = new RecorderHarness(gateway, host, ownsGateway, shutdown);
        if (startHost)
        {
            await host.StartAsync();
        }

        return harness;
    }

    /// <summary>
    /// A previous run that leaves <paramref name="count"/> events of feature <paramref name="feature"/> on disk: recorded
    /// while <paramref name="gateway"/> refuses every call, then stopped (the gateway's faults are reset after).
    /// </summary>
    public static async Task LeaveOnDiskAsync(DevelopmentGateway gateway, Action<TelemetryGatewayOptions> persistent, int count, string feature)
    {
        gateway.Faults.FailNextCalls(int.MaxValue);
        var previous = await StartAsync(persistent, gateway: gateway, shutdownTimeout: TimeSpan.FromSeconds(5));
        for (var i = 0; i < count; i++)
        {
            Assert.True(previous.Recorder.Record(feature, "view"));
        }

        await previous.Host.StopAsync();
        Assert.Equal(count, previous.Counts().Persisted);
        await previous.DisposeAsync();
        gateway.Faults.Reset();
    }

    /// <summary>The events the gateway accepted, decoded from the bytes it received.</summary>
    public IReadOnlyList<Event> ReceivedEvents() =>
        [.. Gateway.Events.Snapshot().Select(received => Event.Parser.ParseFrom(received.EventBytes.Span))];

    /// <summary>The recorder's counts right now, without waiting.</summary>
    public TelemetryFlushResult Counts() =>
        Recorder.FlushAsync(new CancellationToken(canceled: true)).GetAwaiter().GetResult();

    /// <summary>The queue depth gauge, read now.</summary>
    public int QueueDepth()
    {
        _queueDepth.RecordObservableInstruments();
        return _queueDepth.LastMeasurement?.Value ?? 0;
    }

    /// <summary>How many events the worker has taken from the queue so far.</summary>
    public long EventsRead() => Host.Services.GetRequiredService<TelemetryHosting.Export.Internal.TelemetryEventQueue>().EventsRead;

    /// <summary>What the library itself logged (not the HTTP client or the host).</summary>
    public IReadOnlyList<FakeLogRecord> LibraryLogs() =>
        [.. Logs.GetSnapshot().Where(log => log.Category?.StartsWith("TelemetryHosting.", StringComparison.Ordinal) == true)];

    public long DroppedWithReason(string reason) =>
        Dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags[TelemetryHostingInstruments.ReasonTag], reason)).Sum(m => m.Value);

    public long AuthFailuresWithReason(string reason) =>
        AuthFailures.GetMeasurementSnapshot().Where(m => Equals(m.Tags[TelemetryHostingInstruments.ReasonTag], reason)).Sum(m => m.Value);

    public async Task WaitForDistinctAsync(int count)
    {
        using var timeout = new CancellationTokenSource(Eventually.Timeout);
        await Gateway.Events.WaitForDistinctCountAsync(count, timeout.Token);
    }

    /// <summary>
    /// Stops the host with <paramref name="shutdownTimeout"/> as its token, waiting at most 15 s more; returns whether it
    /// stopped and when (a stop that hangs fails the caller's assertion, not the test run).
    /// </summary>
    public async Task<(bool Stopped, TimeSpan Elapsed)> StopWithinAsync(TimeSpan shutdownTimeout)
    {
        using var timeout = new CancellationTokenSource(shutdownTimeout);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopping = Host.StopAsync(timeout.Token);
        var stopped = await Task.WhenAny(stopping, Task.Delay(shutdownTimeout + TimeSpan.FromSeconds(15), CancellationToken.None)) == stopping;
        var elapsed = clock.Elapsed;
        if (stopped)
        {
            await stopping;
        }

        return (stopped, elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            // Bounded even when the stop ignores its token (a stalled export): the host is then abandoned rather than
            // hanging the suite. No exception here, which would hide the test's own failure (a stall shows first as a
            // flush or a wait that timed out); the tests about stopping time their own StopAsync.
            var stopping = Host.StopAsync(timeout.Token);
            if (await Task.WhenAny(stopping, Task.Delay(_shutdownTimeout + TimeSpan.FromSeconds(5), CancellationToken.None)) != stopping)
            {
                StopTimedOut = true;
                DisposeCollectors();
                if (_ownsGateway)
                {
                    await Gateway.DisposeAsync();
                }

                return;
            }

            await stopping;
        }

        Host.Dispose();
        DisposeCollectors();
        if (_ownsGateway)
        {
            await Gateway.DisposeAsync();
        }
    }

    private void DisposeCollectors()
    {
        Dropped.Dispose();
        Exported.Dispose();
        ExportFailures.Dispose();
        AuthFailures.Dispose();
        _queueDepth.Dispose();
    }
}
