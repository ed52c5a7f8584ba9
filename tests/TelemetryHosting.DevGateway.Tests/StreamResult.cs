using Grpc.Core;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Tests;

/// <summary>What a RecordEvents stream answered.</summary>
internal sealed record StreamResult(IReadOnlyList<RecordEventsResponse> Responses, Status Status)
{
    public IReadOnlySet<string> Succeeded => Responses.SelectMany(r => r.SucceededEvents).ToHashSet();
}
