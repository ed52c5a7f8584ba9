using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace TelemetryHosting.Benchmarks;

/// <summary>
/// One launch, 5 warm-up and 15 measured iterations: about 5 minutes for the record benchmarks on a 2-core machine.
/// Fewer iterations left the error columns as large as the differences being measured. The machines are noisy:
/// compare the Ratio column (measured in the same run), not absolute times.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(5).WithIterationCount(15).WithId("Record"));
        AddColumn(StatisticColumn.Median);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
