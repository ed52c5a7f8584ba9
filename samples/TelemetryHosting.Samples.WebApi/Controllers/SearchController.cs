using Microsoft.AspNetCore.Mvc;

namespace TelemetryHosting.Samples.WebApi.Controllers;

/// <summary>A search endpoint that records what the user saw.</summary>
[ApiController]
[Route("api/search")]
public sealed partial class SearchController(ITelemetryRecorder telemetry) : ControllerBase
{
    private static readonly string[] Corpus = ["sourcegraph", "telemetry", "gateway", "grpc", "dotnet", "search", "events"];

    [HttpGet]
    public IActionResult Search([FromQuery] string q = "", [FromQuery] bool cached = false)
    {
        var results = Corpus.Where(word => word.Contains(q, StringComparison.OrdinalIgnoreCase)).ToArray();

        RecordResultsViewed(results.Length, cached, q, Request.Headers["X-Sourcegraph-Interaction-ID"].FirstOrDefault());

        return Ok(new { query = q, results });
    }

    // A generated event (docs/telemetry-events.md): the names are checked when the sample compiles, the body is written
    // by the source generator and records through the 'telemetry' constructor parameter. The number and the boolean
    // are metadata ("resultCount", "cached" as 1/0); the query itself is private metadata.
    [TelemetryEvent("search.results", "view", Version = 1)]
    private partial void RecordResultsViewed(int resultCount, bool cached, [PrivateMetadata] string query, string? interactionId);
}
