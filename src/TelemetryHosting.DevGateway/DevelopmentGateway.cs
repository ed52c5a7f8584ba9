using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TelemetryHosting.DevGateway.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// A development Telemetry Gateway: a local ASP.NET Core gRPC server speaking the Sourcegraph Telemetry Gateway
/// protocol, with a SAMS token endpoint emulator, a page and a JSON endpoint showing what it received, and fault
/// injection. Start one in-process with <see cref="StartAsync(DevelopmentGatewayOptions?, CancellationToken)"/>, or run
/// the project on its own.
/// </summary>
public sealed class DevelopmentGateway : IAsyncDisposable
{
    /// <summary>The gRPC port used when the project runs on its own.</summary>
    public const int DefaultPort = 5080;

    /// <summary>The web port (page, <c>/api/events</c>, <c>/oauth/token</c>) used when the project runs on its own.</summary>
    public const int DefaultWebPort = 5081;

    private const int MaxMessageBytes = 90 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly JsonLinesWriter? _jsonLines;
    private readonly Lock _stopLock = new();
    private Task? _stopTask;

    private DevelopmentGateway(WebApplication app, Uri address, Uri webAddress, ReceivedEventStore events, GatewayFaults faults, SamsEmulator sams, JsonLinesWriter? jsonLines)
    {
        _app = app;
        Address = address;
        WebAddress = webAddress;
        Events = events;
        Faults = faults;
        Sams = sams;
        _jsonLines = jsonLines;
    }

    /// <summary>Gets the gRPC endpoint, <c>http://127.0.0.1:PORT/</c> (HTTP/2 cleartext, prior knowledge).</summary>
    public Uri Address { get; }

    /// <summary>Gets the web endpoint (HTTP/1.1): the events page at <c>/</c>, <c>/api/events</c> and the SAMS <c>/oauth/token</c>.</summary>
    public Uri WebAddress { get; }

    /// <summary>Gets the events the gateway accepted.</summary>
    public ReceivedEventStore Events { get; }

    /// <summary>Gets the fault injection, changeable while the gateway runs.</summary>
    public GatewayFaults Faults { get; }

    /// <summary>Gets the SAMS emulator: token endpoint settings, counters and token helpers.</summary>
    public SamsEmulator Sams { get; }

    /// <summary>Starts a gateway on 127.0.0.1.</summary>
    /// <param name="options">The settings; by default free ports, authentication required, the default development SAMS client.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running gateway. Dispose it (or call <see cref="StopAsync"/>) to release its ports.</returns>
    /// <exception cref="ArgumentException">The options are inconsistent; the message says which values.</exception>
    public static Task<DevelopmentGateway> StartAsync(DevelopmentGatewayOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DevelopmentGatewayOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DevelopmentGateway).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // In-process the host's environment and files must not change the gateway: it is configured by options only.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        return StartAsync(builder, options, cancellationToken);
    }

    /// <summary>Stops the gateway: ends calls in progress (after <see cref="DevelopmentGatewayOptions.ShutdownTimeout"/>) and releases its ports.</summary>
    /// <param name="cancellationToken">Makes the stop abort calls in progress at once.</param>
    /// <returns>A task that completes when the ports are released.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stopLock)
        {
            return _stopTask ??= StopCoreAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    internal static async Task<DevelopmentGateway> StartAsync(WebApplicationBuilder builder, DevelopmentGatewayOptions options, CancellationToken cancellationToken)
    {
        Validate(options);

        var clients = options.Clients.Count > 0 ? options.Clients : [DefaultClient()];
        var licenseKeys = options.LicenseKeys.Count > 0 ? options.LicenseKeys : [DevelopmentGatewayOptions.DefaultLicenseKey];
        var events = new ReceivedEventStore(options.MaxStoredEvents);
        var faults = new GatewayFaults(options.Faults);
        var sams = new SamsEmulator(clients, options.TokenLifetime, options.SamsAcceptBasicAuth, options.SamsOutage, options.TimeProvider);
        var jsonLines = options.JsonLinesPath is { Length: > 0 } path ? new JsonLinesWriter(path) : null;

        try
        {
            ListenOptions? grpcListen = null;
            ListenOptions? webListen = null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;

                // Kestrel 10 speaks cleartext HTTP/2 (prior knowledge) only on an HTTP/2-only endpoint: on an
                // HTTP/1.1-and-HTTP/2 endpoint without TLS it falls back to HTTP/1.1. Browsers need HTTP/1.1, hence two ports.
                kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    grpcListen = listen;
                });
                kestrel.Listen(IPAddress.Loopback, options.WebPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    webListen = listen;
                });
            });

            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
            builder.Services.AddGrpc(grpc =>
            {
                grpc.MaxReceiveMessageSize = MaxMessageBytes;
                grpc.MaxSendMessageSize = MaxMessageBytes;
            });
            builder.Services.AddSingleton(events);
            builder.Services.AddSingleton(faults);
            builder.Services.AddSingleton(sams);
            builder.Services.AddSingleton(new GatewaySettings(options.RequireAuthentication, new HashSet<string>(licenseKeys, StringComparer.Ordinal), options.TimeProvider));
            builder.Services.AddSingleton(new EventPublisher(events, faults, options.TimeProvider, jsonLines));

            var app = builder.Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<DevelopmentGateway>();
            app.Use(LocalRequestFilter.InvokeAsync);
            app.MapGrpcService<TelemetryGatewayService>();
            app.MapPost(SamsTokenEndpoint.Path, (HttpContext context) => SamsTokenEndpoint.HandleAsync(context, sams, logger));
            app.MapMethods(SamsTokenEndpoint.Path, ["GET", "HEAD", "PUT", "PATCH", "DELETE"], (HttpContext context) => SamsTokenEndpoint.RefuseMethod(context));
            app.MapGet("/", (HttpContext context) => EventsApi.WritePageAsync(context));
            app.MapGet(EventsApi.ScriptPath, (HttpContext context) => EventsApi.WriteScriptAsync(context));
            app.MapGet(EventsApi.GlanceScriptPath, (HttpContext context) => EventsApi.WriteGlanceScriptAsync(context));
            app.MapGet(EventsApi.StylePath, (HttpContext context) => EventsApi.WriteStyleAsync(context));
            app.MapGet("/api/events", (HttpContext context) => EventsApi.WriteEventsAsync(context, events));
            app.MapGet("/api/events/stats", (HttpContext context) => EventsApi.WriteStatsAsync(context, events, options.TimeProvider));
            app.MapDelete("/api/events", (HttpContext context) => EventsApi.Clear(context, events));

            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // A port in use or a canceled start: release whatever was bound before reporting it.
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            // Kestrel writes the bound endpoint back into the listen options, which gives the real port when 0 was asked for.
            var address = LoopbackUri(grpcListen!.IPEndPoint!.Port);
            var webAddress = LoopbackUri(webListen!.IPEndPoint!.Port);
            sams.TokenEndpoint = new Uri(webAddress, SamsTokenEndpoint.Path);
            Log.Started(logger, address, webAddress);
            Log.PageAddress(logger, webAddress);
            return new DevelopmentGateway(app, address, webAddress, events, faults, sams, jsonLines);
        }
        catch
        {
            jsonLines?.Dispose();
            throw;
        }
    }

    internal Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    private static Uri LoopbackUri(int port) => new("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/");

    private static SamsClient DefaultClient()
    {
        var client = new SamsClient
        {
            ClientId = DevelopmentGatewayOptions.DefaultClientId,
            ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret,
        };
        client.Scopes.Add(DevelopmentGatewayOptions.TelemetryWriteScope);
        return client;
    }

    private static void Validate(DevelopmentGatewayOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"Port must be between 0 and 65535 (was {options.Port}).");
        }

        if (options.WebPort is < 0 or > 65535)
        {
            errors.Add($"WebPort must be between 0 and 65535 (was {options.WebPort}).");
        }

        if (options.Port != 0 && options.Port == options.WebPort)
        {
            errors.Add($"Port and WebPort must differ (both were {options.Port}): the gRPC endpoint is HTTP/2-only, the web endpoint HTTP/1.1.");
        }

        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"TokenLifetime must be positive (was {options.TokenLifetime}).");
        }

        if (options.MaxStoredEvents < 0)
        {
            errors.Add($"MaxStoredEvents must not be negative (was {options.MaxStoredEvents}).");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add($"ShutdownTimeout must not be negative (was {options.ShutdownTimeout}).");
        }

        options.Faults.Validate(errors);

        if (options.TimeProvider is null)
        {
            errors.Add("TimeProvider must not be null.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in options.Clients)
        {
            if (string.IsNullOrEmpty(client.ClientId) || string.IsNullOrEmpty(client.ClientSecret))
            {
                errors.Add($"Every SAMS client needs a ClientId and a ClientSecret (client '{client.ClientId}').");
            }
            else if (!ids.Add(client.ClientId))
            {
                errors.Add($"SAMS client '{client.ClientId}' is registered more than once.");
            }

            foreach (var scope in client.Scopes)
            {
                if (!SamsScope.TryParse(scope, out _))
                {
                    errors.Add($"SAMS client '{client.ClientId}' has scope '{scope}', which is not of the form service::permission::action.");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid development gateway options: " + string.Join(" ", errors), nameof(options));
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _jsonLines?.Dispose();
        }
    }
}
