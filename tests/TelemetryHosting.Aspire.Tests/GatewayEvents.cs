using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace TelemetryHosting.Aspire.Tests;

/// <summary>Reads the development gateway's <c>/api/events</c> until an event matches, within a bound.</summary>
internal static class GatewayEvents
{
    // Generous: the first event of a service includes its start (JIT, the first SAMS token) on a busy 2-core machine.
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<JsonObject> WaitForAsync(HttpClient gateway, Func<JsonObject, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        using var poll = new PeriodicTimer(PollInterval);
        JsonNode? last = null;
        try
        {
            do
            {
                last = await gateway.GetFromJsonAsync<JsonNode>("/api/events?limit=200", timeout.Token);
                if (last?["events"]?.AsArray().OfType<JsonObject>().FirstOrDefault(match) is { } found)
                {
                    return found;
                }
            }
            while (await poll.WaitForNextTickAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"The gateway did not receive {what} within {WaitLimit.TotalSeconds} s. Its last answer: {last?.ToJsonString()}");
    }

    public static string? Text(this JsonObject node, string property) => node[property]?.GetValue<string>();
}
