using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>Rules of <see cref="TelemetryGatewayOptions"/> that span fields or need more than an attribute.</summary>
internal sealed class TelemetryGatewayOptionsRulesValidator : IValidateOptions<TelemetryGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryGatewayOptions options)
    {
        var failures = new ValidateOptionsResultBuilder();
        if (options.Endpoint is { } endpoint)
        {
            HttpAddress.Check(endpoint, nameof(options.Endpoint), failures);
        }

        if (options.ServiceId.Length > 0 && string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.AddError("must not be blank.", nameof(options.ServiceId));
        }

        if (options.ServiceVersion is { } version && string.IsNullOrWhiteSpace(version))
        {
            failures.AddError("must not be blank; leave it unset to use the entry assembly's version.", nameof(options.ServiceVersion));
        }

        if (options.MaxPayloadBytes > options.MaxBatchBytes)
        {
            failures.AddError(
                $"must not be larger than {nameof(options.MaxBatchBytes)} ({options.MaxBatchBytes}), but is {options.MaxPayloadBytes}.",
                nameof(options.MaxPayloadBytes));
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            failures.AddError(
                $"must not be shorter than {nameof(options.RetryDelay)} ({options.RetryDelay}), but is {options.MaxRetryDelay}.",
                nameof(options.MaxRetryDelay));
        }

        return failures.Build();
    }
}
