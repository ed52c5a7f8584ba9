using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Checks of <see cref="TelemetryClientEventsOptions"/> that data annotations cannot express.</summary>
internal sealed class TelemetryClientEventsOptionsRulesValidator : IValidateOptions<TelemetryClientEventsOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryClientEventsOptions options)
    {
        var failures = new ValidateOptionsResultBuilder();
        foreach (var prefix in options.AllowedFeaturePrefixes)
        {
            if (string.IsNullOrEmpty(prefix) || prefix.Length > EventNameValidator.MaxLength)
            {
                failures.AddError(
                    $"each prefix must be 1 to {EventNameValidator.MaxLength} characters, but one is '{prefix}'.",
                    nameof(options.AllowedFeaturePrefixes));
            }
        }

        ValidateBucket(failures, options.RateLimit, nameof(options.RateLimit));
        ValidateBucket(failures, options.AnonymousRateLimit, nameof(options.AnonymousRateLimit));
        return failures.Build();
    }

    private static void ValidateBucket(ValidateOptionsResultBuilder failures, TokenBucketRateLimiterOptions? limit, string name)
    {
        if (limit is null)
        {
            return;
        }

        if (limit.TokenLimit < 1)
        {
            failures.AddError($"TokenLimit must be at least 1, but is {limit.TokenLimit}.", name);
        }

        if (limit.TokensPerPeriod < 1)
        {
            failures.AddError($"TokensPerPeriod must be at least 1, but is {limit.TokensPerPeriod}.", name);
        }

        if (limit.ReplenishmentPeriod <= TimeSpan.Zero)
        {
            failures.AddError($"ReplenishmentPeriod must be positive, but is {limit.ReplenishmentPeriod}.", name);
        }

        if (limit.QueueLimit < 0)
        {
            failures.AddError($"QueueLimit must not be negative, but is {limit.QueueLimit}.", name);
        }
    }
}
