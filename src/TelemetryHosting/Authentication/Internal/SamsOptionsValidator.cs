using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TelemetryHosting.Configuration.Internal;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// The authentication and transport security rules of <see cref="TelemetryGatewayOptions"/>: https except on loopback
/// hosts (or with <see cref="TelemetryGatewayOptions.AllowInsecureTransport"/>), SAMS credentials for any gateway that
/// is not on a loopback host, well-formed scopes. Messages never print the client secret.
/// </summary>
internal sealed class SamsOptionsValidator : IValidateOptions<TelemetryGatewayOptions>
{
    private const string Prefix = nameof(TelemetryGatewayOptions.Sams) + ":";

    private readonly ILogger _logger;
    private int _warned;

    public SamsOptionsValidator(ILogger<SamsOptionsValidator>? logger = null) => _logger = logger ?? NullLogger<SamsOptionsValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, TelemetryGatewayOptions options)
    {
        var result = Check(options);
        if (result.Succeeded && options.AllowInsecureTransport && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            // Options are validated at start (ValidateOnStart, then once more for IOptions): the moment to warn about the opt-in.
            var tokenEndpoint = options.Sams is { } sams ? SamsTokenClient.TokenEndpoint(sams) : null;
            var inUse = (options.Endpoint is { } endpoint && LoopbackAddress.IsCleartextToRemoteHost(endpoint))
                || (tokenEndpoint is not null && LoopbackAddress.IsCleartextToRemoteHost(tokenEndpoint));
            Log.InsecureTransportAllowed(_logger, options.Endpoint, tokenEndpoint, inUse);
        }

        return result;
    }

    private static ValidateOptionsResult Check(TelemetryGatewayOptions options)
    {
        var failures = new ValidateOptionsResultBuilder();
        if (options.Endpoint is { IsAbsoluteUri: true } endpoint && LoopbackAddress.IsCleartextToRemoteHost(endpoint) && !options.AllowInsecureTransport)
        {
            failures.AddError(
                $"'{endpoint.OriginalString}' is plain http to a host that is not loopback: events and the SAMS token would travel unencrypted. " +
                $"Use https, or set {nameof(options.AllowInsecureTransport)} to true to accept that.",
                nameof(options.Endpoint));
        }

        var sams = options.Sams;
        if (sams is null)
        {
            return failures.Build();
        }

        CheckUrl(failures, sams.Url, Prefix + nameof(sams.Url), options.AllowInsecureTransport);
        CheckUrl(failures, sams.ApiUrl, Prefix + nameof(sams.ApiUrl), options.AllowInsecureTransport);

        var hasId = !string.IsNullOrWhiteSpace(sams.ClientId);
        var hasSecret = !string.IsNullOrWhiteSpace(sams.ClientSecret);
        if (sams.ClientId is { Length: > 0 } && !hasId)
        {
            failures.AddError("must not be blank.", Prefix + nameof(sams.ClientId));
        }

        if (hasId && !hasSecret)
        {
            failures.AddError($"is required with {Prefix}{nameof(sams.ClientId)} ('{sams.ClientId}'), but is not set.", Prefix + nameof(sams.ClientSecret));
        }
        else if (!hasId && hasSecret)
        {
            failures.AddError($"is required with {Prefix}{nameof(sams.ClientSecret)}, but is not set.", Prefix + nameof(sams.ClientId));
        }
        else if (!hasId && options.Endpoint is { IsAbsoluteUri: true } gateway && !LoopbackAddress.IsLoopback(gateway))
        {
            failures.AddError(
                $"{Prefix}{nameof(sams.ClientId)} and {Prefix}{nameof(sams.ClientSecret)} are required: the gateway at '{gateway.OriginalString}' " +
                "accepts managed services only with a SAMS token. Only a development gateway on a loopback address may be used without one.",
                Prefix + nameof(sams.ClientId));
        }

        if (sams.Scopes.Count == 0 && hasId)
        {
            failures.AddError("must name at least one scope.", Prefix + nameof(sams.Scopes));
        }

        foreach (var scope in sams.Scopes)
        {
            if (SamsScope.Validate(scope) is { } error)
            {
                failures.AddError($"'{scope}' is not a valid SAMS scope: {error}.", Prefix + nameof(sams.Scopes));
            }
        }

        return failures.Build();
    }

    private static void CheckUrl(ValidateOptionsResultBuilder failures, Uri? url, string property, bool allowInsecure)
    {
        if (url is not null
            && HttpAddress.Check(url, property, failures)
            && LoopbackAddress.IsCleartextToRemoteHost(url)
            && !allowInsecure)
        {
            failures.AddError(
                $"'{url.OriginalString}' is plain http to a host that is not loopback: the client secret would travel unencrypted. " +
                $"Use https, or set {nameof(TelemetryGatewayOptions.AllowInsecureTransport)} to true to accept that.",
                property);
        }
    }
}
