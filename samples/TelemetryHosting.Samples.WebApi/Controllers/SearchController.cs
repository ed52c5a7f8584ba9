using Microsoft.AspNetCore.Mvc;

namespace TelemetryHosting.Samples.WebApi.Controllers;

/// <summary>A search endpoint that records what the user saw.</summary>
[ApiController]
[Route("api/search")]
public sealed class SearchController(ITelemetryRecorder telemetry) : ControllerBase
{
    private static readonly string[] Corpus = ["sourcegraph", "telemetry", "gateway", "grpc", "dotnet", "search", "events"];

    [HttpGet]
    public IActionResult Search([FromQuery] string q = "", [FromQuery] bool cached = false)
    {
        var results = Corpus.Where(word => word.Contains(q, StringComparison.OrdinalIgnoreCase)).ToArray();

        // Metadata holds numbers under constant keys; the query itself is private metadata.
        telemetry.Record("search.results", "view", new TelemetryEventParameters
        {
            Version = 1,
            Metadata = new Dictionary<string, double> { ["resultCount"] = results.Length, ["cached"] = cached ? 1 : 0 },
            PrivateMetadata = new Dictionary<string, object?> { ["query"] = q },
            InteractionId = Request.Headers["X-Sourcegraph-Interaction-ID"].FirstOrDefault(),
        });

        return Ok(new { query = q, results });
    }
}
