using Microsoft.Extensions.Logging;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>The OpenTelemetry baseline's log record: what a user would write instead of recording an event.</summary>
public static partial class BenchmarkLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "search.results view {ResultCount} {Cached}")]
    public static partial void SearchResults(ILogger logger, double resultCount, double cached);
}
