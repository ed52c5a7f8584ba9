using System.Collections.Concurrent;
using System.Globalization;

namespace TelemetryHosting.ModelTests;

/// <summary>Real time spent per kind of step: where a run's budget goes.</summary>
internal sealed class StepTimings
{
    private readonly ConcurrentDictionary<string, (int Count, TimeSpan Total)> _timings = new(StringComparer.Ordinal);

    public void Add(string kind, TimeSpan elapsed) =>
        _timings.AddOrUpdate(kind, (1, elapsed), (_, t) => (t.Count + 1, t.Total + elapsed));

    public override string ToString() =>
        string.Join(
            Environment.NewLine,
            _timings.OrderByDescending(t => t.Value.Total).Select(t => string.Create(
                CultureInfo.InvariantCulture,
                $"  {t.Key,-28} {t.Value.Count,7} × {t.Value.Total.TotalMilliseconds / t.Value.Count,8:0.0} ms = {t.Value.Total.TotalSeconds,6:0.0} s")));
}
