using System.Diagnostics;
using CsCheck;
using Xunit.Abstractions;

namespace TelemetryHosting.ModelTests.Export;

/// <summary>
/// The model-based test of the delivery core: random sequences of records, flushes, clock steps,
/// gateway faults, full disks, stops and restarts against the real recorder, worker, exporter (gRPC over HTTP/2 to a
/// development gateway) and spill store, with the model checked after every step. A failure prints the seed and the
/// shortest failing sequence found; repeat it with <c>TELEMETRYHOSTING_MODEL_SEED</c>.
/// </summary>
public sealed class DeliveryModelTests(ModelGatewayFixture fixture, ITestOutputHelper output) : IClassFixture<ModelGatewayFixture>
{
    private readonly Lock _lock = new();
    private Sequence? _shortestFailure;

    [Fact]
    public async Task Delivery_RandomStepsAndFaults_ModelHoldsAfterEveryStep()
    {
        var clock = Stopwatch.StartNew();
        var sequences = 0;
        var steps = 0;
        var seed = ModelRunSettings.Seed;
        var iterations = seed is not null ? 1 : ModelRunSettings.Sequences ?? ModelRunSettings.DefaultSequences;
        var seconds = seed is not null ? -1 : ModelRunSettings.Seconds;

        try
        {
            await DeliveryGenerators.Sequence.SampleAsync(
                async sequence =>
                {
                    Interlocked.Increment(ref sequences);
                    Interlocked.Add(ref steps, sequence.Steps.Count);
                    await RunAsync(sequence);
                },
                writeLine: output.WriteLine,
                seed: seed,
                iter: iterations,
                time: seconds,
                threads: seed is not null ? 1 : ModelRunSettings.Threads,
                print: sequence => sequence.ToString());
        }
        catch (CsCheckException failure) when (_shortestFailure is { Failure: { } violation } shortest)
        {
            var minimized = await MinimizeAsync(shortest, violation.Rule);
            throw new ModelViolationException(
                $"{failure.Message}{Environment.NewLine}{Environment.NewLine}Removing steps one at a time, the shortest sequence still failing [{violation.Rule}]:" +
                $"{Environment.NewLine}{minimized}{Environment.NewLine}---- {minimized.Failure?.Message}",
                failure);
        }
        finally
        {
            output.WriteLine($"Ran {sequences} sequences, {steps} steps, in {clock.Elapsed.TotalSeconds:0.0} s. Real time per step:");
            output.WriteLine(DeliveryModelRun.Timings.ToString());
        }
    }

    private async Task RunAsync(Sequence sequence)
    {
        try
        {
            await fixture.WithGatewayAsync(async gateway =>
            {
                await DeliveryModelRun.RunAsync(gateway, sequence);
                return true;
            });
        }
        catch (ModelViolationException violation)
        {
            lock (_lock)
            {
                if (_shortestFailure?.Failure is not { } shortest || Math.Min(violation.Step, sequence.Steps.Count) < Math.Min(shortest.Step, _shortestFailure.Steps.Count))
                {
                    _shortestFailure = sequence;
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Removes steps one at a time from the failing part of <paramref name="failing"/>, keeping each removal after which
    /// the same rule still fails, for at most the minimizing budget: CsCheck's shrinking only tries smaller random
    /// sequences, each of which costs real sockets and time here.
    /// </summary>
    private async Task<Sequence> MinimizeAsync(Sequence failing, string rule)
    {
        var budget = Stopwatch.StartNew();
        var best = new Sequence(failing.Settings, [.. failing.Steps.Take(Math.Min(failing.Failure!.Step, failing.Steps.Count))]) { Failure = failing.Failure };

        // Chunks first (halves, quarters, …), then single steps: each failing candidate may cost a bounded wait.
        for (var chunk = Math.Max(1, best.Steps.Count / 2); chunk >= 1 && !OutOfTime(); chunk /= 2)
        {
            for (var start = best.Steps.Count - chunk; start >= 0 && !OutOfTime(); start -= chunk)
            {
                var candidate = new Sequence(best.Settings, [.. best.Steps.Where((_, index) => index < start || index >= start + chunk)]);
                if (await FailsWithAsync(candidate, rule) is { } violation)
                {
                    best = new Sequence(candidate.Settings, [.. candidate.Steps.Take(Math.Min(violation.Step, candidate.Steps.Count))]) { Failure = violation };
                    start = Math.Min(start, best.Steps.Count);
                }
            }

            if (chunk == 1)
            {
                break;
            }
        }

        output.WriteLine($"Minimized in {budget.Elapsed.TotalSeconds:0.0} s to {best.Steps.Count} steps.");
        return best;

        bool OutOfTime() => budget.Elapsed.TotalSeconds >= ModelRunSettings.MinimizeSeconds;
    }

    private async Task<ModelViolationException?> FailsWithAsync(Sequence candidate, string rule)
    {
        try
        {
            await fixture.WithGatewayAsync(async gateway =>
            {
                await DeliveryModelRun.RunAsync(gateway, candidate);
                return true;
            });
            return null;
        }
        catch (ModelViolationException violation)
        {
            // Another rule failing is another failure: the step stays.
            return violation.Rule == rule ? violation : null;
        }
    }
}
