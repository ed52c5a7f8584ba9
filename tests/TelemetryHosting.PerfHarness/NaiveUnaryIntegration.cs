using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Telemetrygateway.V1;

namespace TelemetryHosting.PerfHarness;

/// <summary>
/// What a user would write by hand (and what the Go managed-service helper does): one unary <c>RecordEvent</c> call
/// per event, awaited where the event happens. With a gateway latency (<c>--gateway-latency-ms</c>) each call waits for
/// it, as each events payload of the library's streams does: the gateway delays every response the same way.
/// </summary>
internal sealed class NaiveUnaryIntegration : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly TelemeteryGatewayService.TelemeteryGatewayServiceClient _client;
    private readonly RecordEventsRequestMetadata _metadata = new()
    {
        Identifier = new Identifier { ManagedService = new Identifier.Types.ManagedServiceIdentifier { ServiceId = "perf-harness-naive" } },
    };

    public NaiveUnaryIntegration(Uri address)
    {
        _channel = GrpcChannel.ForAddress(address);
        _client = new TelemeteryGatewayService.TelemeteryGatewayServiceClient(_channel);
    }

    public async Task RecordAsync(string feature, string action, IReadOnlyDictionary<string, double> metadata)
    {
        var ev = new Event
        {
            Id = Guid.CreateVersion7().ToString(),
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Feature = feature,
            Action = action,
            Source = new EventSource { Server = new EventSource.Types.Server { Version = "1.0.0" } },
            Parameters = new EventParameters { Version = 1 },
        };
        foreach (var (key, value) in metadata)
        {
            ev.Parameters.Metadata[key] = value;
        }

        await _client.RecordEventAsync(new RecordEventRequest { Metadata = _metadata, Event = ev });
    }

    public void Dispose() => _channel.Dispose();
}
