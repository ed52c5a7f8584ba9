using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Tests;

/// <summary>A gateway started for one test, with a raw generated gRPC client over real HTTP/2 on loopback.</summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    /// <summary>How long any single wait in a test may take before the test fails.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel;

    private GatewayHarness(DevelopmentGateway gateway, FakeTimeProvider? time)
    {
        Gateway = gateway;
        Time = time;
        _channel = GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions
        {
            MaxSendMessageSize = null,
            MaxReceiveMessageSize = null,
        });
        Client = new TelemeteryGatewayService.TelemeteryGatewayServiceClient(_channel);
    }

    public DevelopmentGateway Gateway { get; }

    public FakeTimeProvider? Time { get; }

    public TelemeteryGatewayService.TelemeteryGatewayServiceClient Client { get; }

    public static async Task<GatewayHarness> StartAsync(Action<DevelopmentGatewayOptions>? configure = null, bool fakeTime = false)
    {
        var options = new DevelopmentGatewayOptions();
        FakeTimeProvider? time = null;
        if (fakeTime)
        {
            time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
            options.TimeProvider = time;
        }

        configure?.Invoke(options);
        using var cts = new CancellationTokenSource(WaitLimit);
        return new GatewayHarness(await DevelopmentGateway.StartAsync(options, cts.Token), time);
    }

    /// <summary>Headers carrying a fresh valid token of the default client.</summary>
    public Metadata Auth() => new() { { "authorization", "Bearer " + Gateway.Sams.IssueToken() } };

    public static Metadata Header(string value) => new() { { "authorization", value } };

    public static RecordEventsRequestMetadata ManagedService(string serviceId = "test-service", string? environment = "dev")
    {
        var managed = new Identifier.Types.ManagedServiceIdentifier { ServiceId = serviceId };
        if (environment is not null)
        {
            managed.ServiceEnvironment = environment;
        }

        return new RecordEventsRequestMetadata
        {
            RequestId = Guid.NewGuid().ToString(),
            Identifier = new Identifier { ManagedService = managed },
        };
    }

    public static RecordEventsRequestMetadata Unlicensed(string instanceId = "instance-1") => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Identifier = new Identifier { UnlicensedInstance = new Identifier.Types.UnlicensedInstanceIdentifier { InstanceId = instanceId, ExternalUrl = "https://sourcegraph.example.com" } },
    };

    public static RecordEventsRequestMetadata Licensed(string licenseKey, string instanceId = "instance-2") => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Identifier = new Identifier { LicensedInstance = new Identifier.Types.LicensedInstanceIdentifier { LicenseKey = licenseKey, InstanceId = instanceId, ExternalUrl = "https://sourcegraph.example.com" } },
    };

    public static Event NewEvent(string feature = "testFeature", string action = "view", string? id = null) => new()
    {
        Id = id ?? Guid.CreateVersion7().ToString(),
        Timestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        Feature = feature,
        Action = action,
        Source = new EventSource { Server = new EventSource.Types.Server { Version = "1.2.3" } },
        Parameters = new EventParameters { Version = 0 },
    };

    public static RecordEventsRequest MetadataMessage(RecordEventsRequestMetadata metadata) => new() { Metadata = metadata };

    public static RecordEventsRequest Payload(params Event[] events)
    {
        var payload = new RecordEventsRequest.Types.EventsPayload();
        payload.Events.Add(events);
        return new RecordEventsRequest { Events = payload };
    }

    /// <summary>Runs one RecordEvents stream: writes every request, half-closes, reads every response and the final status.</summary>
    /// <remarks>
    /// Writing and reading run side by side and the result is taken when the response ends, whatever the write side is
    /// doing: when the server ends the call before reading a large message (a size refusal), .NET's HTTP/2 client can leave a
    /// write parked on flow-control credit that neither the call's cancellation nor its disposal wakes (the stall the
    /// exporter guards against). Every wait here is bounded by <see cref="WaitLimit"/>.
    /// </remarks>
    public async Task<StreamResult> RecordEventsAsync(Metadata? headers, params RecordEventsRequest[] requests)
    {
        using var cts = new CancellationTokenSource(WaitLimit);
        using var call = Client.RecordEvents(headers, cancellationToken: cts.Token);
        var responses = new List<RecordEventsResponse>();
        var reading = ReadAllAsync(call.ResponseStream, responses, cts.Token);
        var writing = WriteAllAsync(call.RequestStream, requests, cts.Token);

        // Bounded by WaitLimit; ends as soon as the response has ended, even with a write still parked. When the writes
        // end first, the response ends by itself or the call's cancellation (WaitLimit) ends it, below.
        await Task.WhenAny(reading, writing).WaitAsync(WaitLimit);

        // A write still pending here belongs to a stream the connection has already removed: observe it, never await it.
        _ = writing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await reading.WaitAsync(WaitLimit);
            return new StreamResult(responses, call.GetStatus());
        }
        catch (RpcException e)
        {
            return new StreamResult(responses, e.Status);
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<RecordEventsRequest> writer, RecordEventsRequest[] requests, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var request in requests)
            {
                await writer.WriteAsync(request, cancellationToken);
            }

            await writer.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call early; its status is read from the response.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call completed.
        }
        catch (OperationCanceledException)
        {
            // The call was cancelled; the response side reports it.
        }
    }

    /// <summary>Runs one RecordEvent call and returns its status.</summary>
    public async Task<Status> RecordEventAsync(RecordEventRequest request, Metadata? headers)
    {
        using var cts = new CancellationTokenSource(WaitLimit);
        try
        {
            await Client.RecordEventAsync(request, headers, cancellationToken: cts.Token);
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Gateway.DisposeAsync();
    }

    private static async Task ReadAllAsync(IAsyncStreamReader<RecordEventsResponse> reader, List<RecordEventsResponse> responses, CancellationToken cancellationToken)
    {
        await foreach (var response in reader.ReadAllAsync(cancellationToken))
        {
            responses.Add(response);
        }
    }
}
