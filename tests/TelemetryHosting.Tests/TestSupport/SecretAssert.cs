using Microsoft.Extensions.Logging.Testing;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>Checks that nothing logged, at any level and by any category, carries a secret or an access token.</summary>
internal static class SecretAssert
{
    public static void NothingLeaked(FakeLogCollector logs, params string[] secrets)
    {
        var records = logs.GetSnapshot();
        Assert.NotEmpty(records);
        string[] forbidden = [DevelopmentGatewayOptions.DefaultClientSecret, "sams_at_", .. secrets];
        foreach (var record in records)
        {
            var text = string.Join(
                '\n',
                record.Message,
                record.Exception?.ToString() ?? string.Empty,
                string.Join('\n', record.StructuredState?.Select(pair => pair.Value) ?? []),
                string.Join('\n', record.Scopes.Select(scope => scope?.ToString())));
            foreach (var secret in forbidden)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"Log record {record.Category}/{record.Id} contains '{secret}': {record.Message}");
            }
        }
    }
}
