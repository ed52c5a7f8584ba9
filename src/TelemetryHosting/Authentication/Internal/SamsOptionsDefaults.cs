using Microsoft.Extensions.Options;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// Fills the SAMS defaults: like the Go SDK, the base URL and API URL fall back to the environment variables
/// <c>SAMS_URL</c> and <c>SAMS_API_URL</c> when configuration does not set them; the scopes to the gateway's.
/// </summary>
internal sealed class SamsOptionsDefaults : IPostConfigureOptions<TelemetryGatewayOptions>
{
    public const string UrlVariable = "SAMS_URL";
    public const string ApiUrlVariable = "SAMS_API_URL";

    private readonly Func<string, string?> _environment;

    public SamsOptionsDefaults()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    public SamsOptionsDefaults(Func<string, string?> environment) => _environment = environment;

    public void PostConfigure(string? name, TelemetryGatewayOptions options)
    {
        var sams = options.Sams;
        if (sams is null)
        {
            return;
        }

        sams.Url ??= FromEnvironment(UrlVariable) ?? new Uri(TelemetryGatewaySamsOptions.DefaultUrl);
        sams.ApiUrl ??= FromEnvironment(ApiUrlVariable);
        if (sams.Scopes.Count == 0)
        {
            sams.Scopes.Add(TelemetryGatewaySamsOptions.TelemetryWriteScope);
        }
    }

    // A malformed variable is kept as a relative URI so that validation names it instead of silently ignoring it.
    private Uri? FromEnvironment(string variable) =>
        _environment(variable) is { Length: > 0 } value
            && Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out var uri)
            ? uri
            : null;
}
