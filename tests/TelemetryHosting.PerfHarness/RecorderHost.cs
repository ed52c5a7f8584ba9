using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.PerfHarness;

/// <summary>A generic host with the telemetry recorder, as a service would have it.</summary>
internal static class RecorderHost
{
    public static readonly TelemetryEventParameters Parameters = new()
    {
        Version = 1,
        Metadata = new Dictionary<string, double> { ["resultCount"] = 12, ["cached"] = 1 },
    };

    public static IHost Build(Uri endpoint, int queueCapacity, TimeSpan shutdownTimeout)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);

        // The library's warnings (queue full, export retrying, events undelivered) explain the numbers; they are rate-limited.
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("System.Net.Http", LogLevel.None).AddFilter("Polly", LogLevel.None);
        builder.Services.AddTelemetryGateway(options =>
        {
            options.Endpoint = endpoint;
            options.ServiceId = "perf-harness";
            options.ServiceVersion = "1.0.0";
            options.QueueCapacity = queueCapacity;
            options.RetryDelay = TimeSpan.FromMilliseconds(100);
            options.MaxRetryDelay = TimeSpan.FromSeconds(1);
        });
        return builder.Build();
    }

    public static ITelemetryRecorder Recorder(this IHost host) => host.Services.GetRequiredService<ITelemetryRecorder>();
}
