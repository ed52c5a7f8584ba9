using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace TelemetryHosting.Benchmarks;

/// <summary>
/// A short job (one launch, 3 warm-up and 5 measured iterations) so that the whole suite takes a few minutes on a
/// 2-core machine. The machines are noisy: compare the Ratio column (measured in the same run), not absolute times.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(5).WithId("Short"));
        AddColumn(StatisticColumn.Median);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
