namespace TelemetryHosting.Tests.TestSupport;

/// <summary>Waits on conditions with a timeout instead of sleeping and hoping.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test when the timeout passes first.</summary>
    public static async Task HoldsAsync(Func<bool> condition, string what, Action? step = null, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        while (!condition())
        {
            if (cancellation.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            step?.Invoke();
            await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }
    }

    /// <summary>Polls the asynchronous <paramref name="condition"/> (a gateway's control API) until it holds.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        while (!await condition())
        {
            if (cancellation.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (<see langword="true"/>) or <paramref name="bound"/> passes.</summary>
    public static async Task<bool> HoldsWithinAsync(Func<bool> condition, TimeSpan bound)
    {
        using var cancellation = new CancellationTokenSource(bound);
        while (!condition())
        {
            if (cancellation.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }

        return true;
    }
}
