using Microsoft.Extensions.Logging;

namespace TelemetryHosting.DevGateway;

/// <summary>Settings of a <see cref="DevelopmentGateway"/>; bound from the <c>DevGateway</c> configuration section when run on its own.</summary>
public sealed class DevelopmentGatewayOptions
{
    /// <summary>The client id of the default development SAMS client.</summary>
    public const string DefaultClientId = "sams_cid_devgateway";

    /// <summary>The secret of the default development SAMS client. It protects nothing: development only.</summary>
    public const string DefaultClientSecret = "sams_cs_devgateway_local_only";

    /// <summary>The scope the gateway requires of managed services' tokens.</summary>
    public const string TelemetryWriteScope = "telemetry_gateway::events::write";

    /// <summary>The license key accepted from licensed instances when <see cref="LicenseKeys"/> is left empty.</summary>
    public const string DefaultLicenseKey = "devgateway-license-key";

    /// <summary>Gets or sets the loopback port of the gRPC endpoint (HTTP/2 cleartext); 0 picks a free port.</summary>
    /// <value>The default value is 0.</value>
    public int Port { get; set; }

    /// <summary>
    /// Gets or sets the loopback port of the web endpoint (HTTP/1.1: the events page, <c>/api/events</c> and the SAMS
    /// <c>/oauth/token</c> endpoint); 0 picks a free port.
    /// </summary>
    /// <value>The default value is 0.</value>
    public int WebPort { get; set; }

    /// <summary>Gets or sets a value indicating whether managed services must present a valid SAMS token, as the real gateway requires.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>
    /// Gets the SAMS clients the token endpoint knows. When empty, the default development client
    /// (<see cref="DefaultClientId"/>, <see cref="DefaultClientSecret"/>, <see cref="TelemetryWriteScope"/>) is registered.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<SamsClient> Clients { get; } = [];

    /// <summary>Gets or sets how long issued access tokens stay active.</summary>
    /// <value>The default value is 1 hour, like SAMS.</value>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets a value indicating whether the token endpoint accepts HTTP Basic client authentication; when <see langword="false"/> only form fields work.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool SamsAcceptBasicAuth { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the token endpoint starts out answering 503 (an outage).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool SamsOutage { get; set; }

    /// <summary>Gets the license keys accepted from licensed instances. When empty, <see cref="DefaultLicenseKey"/> is accepted.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> LicenseKeys { get; } = [];

    /// <summary>
    /// Gets or sets how many received events are kept in memory; older ones are forgotten (counts are kept). Refused
    /// events are kept apart, the newest <c>Min(MaxStoredEvents, 1000)</c>.
    /// </summary>
    /// <value>The default value is 10,000.</value>
    public int MaxStoredEvents { get; set; } = 10_000;

    /// <summary>Gets or sets the path of a JSON Lines file that every accepted event is appended to; <see langword="null"/> writes none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? JsonLinesPath { get; set; }

    /// <summary>Gets or sets the clock used for token expiry, received times and response delays.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets the fault injection settings in force at start; change them later through <see cref="DevelopmentGateway.Faults"/>.</summary>
    public GatewayFaultOptions Faults { get; } = new();

    /// <summary>Gets or sets how long stopping waits for calls in progress before it aborts them.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets a callback that configures logging of the in-process gateway; <see langword="null"/> logs nothing.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
