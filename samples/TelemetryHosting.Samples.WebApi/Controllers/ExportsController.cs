using Microsoft.AspNetCore.Mvc;

namespace TelemetryHosting.Samples.WebApi.Controllers;

/// <summary>An endpoint that records success and failure of a billable operation.</summary>
[ApiController]
[Route("api/exports")]
public sealed class ExportsController(ITelemetryRecorder telemetry) : ControllerBase
{
    private static readonly TelemetryBillingMetadata Billing = new() { Product = "sample", Category = "exports" };

    [HttpPost]
    public IActionResult Create([FromQuery] int rows = 100)
    {
        if (rows <= 0)
        {
            telemetry.Record("exports.csv", "failed", new TelemetryEventParameters { Billing = Billing });
            return BadRequest(new { error = "rows must be positive" });
        }

        telemetry.Record("exports.csv", "succeeded", new TelemetryEventParameters
        {
            Metadata = new Dictionary<string, double> { ["rows"] = rows },
            Billing = Billing,
            FeatureFlags = new Dictionary<string, bool> { ["csv-v2"] = rows > 1_000 },
        });
        return Accepted(new { rows });
    }
}
