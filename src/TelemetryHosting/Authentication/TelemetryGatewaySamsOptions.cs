using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TelemetryHosting.Shared;

namespace TelemetryHosting;

/// <summary>
/// How the service authenticates to the Telemetry Gateway: SAMS (Sourcegraph Accounts) OAuth 2.0 client credentials,
/// bound from the configuration section <c>TelemetryGateway:Sams</c> by default.
/// </summary>
/// <remarks>
/// When <see cref="ClientId"/> is not set no token is sent, which only a development gateway on a loopback address
/// accepts. <see cref="ClientSecret"/> never appears in logs, exception messages or <see cref="ToString"/>.
/// </remarks>
public sealed class TelemetryGatewaySamsOptions
{
    /// <summary>The SAMS base URL used when neither <see cref="Url"/> nor the <c>SAMS_URL</c> environment variable is set.</summary>
    public const string DefaultUrl = "https://accounts.sourcegraph.com";

    /// <summary>The scope the gateway requires: <c>telemetry_gateway::events::write</c>.</summary>
    public const string TelemetryWriteScope = "telemetry_gateway::events::write";

    /// <summary>
    /// Gets or sets the SAMS base URL. The default value is <see langword="null"/>, which means the <c>SAMS_URL</c>
    /// environment variable, or <c>https://accounts.sourcegraph.com</c> when that is not set either.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Gets or sets the URL used for SAMS API calls such as the token endpoint <c>{ApiUrl}/oauth/token</c>, when it
    /// differs from <see cref="Url"/>. The default value is <see langword="null"/>, which means the
    /// <c>SAMS_API_URL</c> environment variable, or <see cref="Url"/> when that is not set either.
    /// </summary>
    public Uri? ApiUrl { get; set; }

    /// <summary>
    /// Gets or sets the SAMS client id (<c>sams_cid_...</c>). The default value is <see langword="null"/>: no token is
    /// sent, which is allowed only for a gateway on a loopback address.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Gets or sets the SAMS client secret (<c>sams_cs_...</c>); required with <see cref="ClientId"/>. It is never
    /// logged. The default value is <see langword="null"/>.
    /// </summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Gets the scopes requested for the token, each <c>service::permission::action</c>. The default value is an
    /// empty list, which means <c>telemetry_gateway::events::write</c> (<see cref="TelemetryWriteScope"/>).
    /// </summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>
    /// Gets or sets how long before its expiry a token is renewed. Tokens living less than twice this margin are
    /// renewed after half their lifetime. The default value is 60 seconds.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan TokenRenewalMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Describes the options without the client secret.</summary>
    /// <returns>The URLs, client id, scopes and renewal margin; the secret only as set or not set.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Url = {Url?.OriginalString ?? "(default)"}, ApiUrl = {ApiUrl?.OriginalString ?? "(default)"}, ClientId = {ClientId ?? "(none)"}, " +
        $"ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(none)" : "(set)")}, Scopes = [{string.Join(' ', Scopes)}], " +
        $"TokenRenewalMargin = {TokenRenewalMargin}");
}
