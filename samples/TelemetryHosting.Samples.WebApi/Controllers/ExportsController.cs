using Microsoft.AspNetCore.Mvc;

namespace TelemetryHosting.Samples.WebApi.Controllers;

/// <summary>An endpoint that records success and failure of a billable operation.</summary>
[ApiController]
[Route("api/exports")]
public sealed partial class ExportsController(ITelemetryRecorder telemetry) : ControllerBase
{
    [HttpPost]
    public IActionResult Create([FromQuery] int rows = 100)
    {
        if (rows <= 0)
        {
            RecordFailed();
            return BadRequest(new { error = "rows must be positive" });
        }

        // Record itself, for what a [TelemetryEvent] method does not take: a feature flag (docs/recording.md#record).
        telemetry.Record("exports.csv", "succeeded", new TelemetryEventParameters
        {
            Metadata = new Dictionary<string, double> { ["rows"] = rows },
            Billing = new() { Product = "sample", Category = "exports" },
            FeatureFlags = new Dictionary<string, bool> { ["csv-v2"] = rows > 1_000 },
        });
        return Accepted(new { rows });
    }

    // A generated event with billing: the product and category are fixed at compile time, as the names are.
    [TelemetryEvent("exports.csv", "failed", BillingProduct = "sample", BillingCategory = "exports")]
    private partial void RecordFailed();
}
