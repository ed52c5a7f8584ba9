namespace TelemetryHosting.Tests.TestSupport;

/// <summary>
/// A gateway server the recorder is tested against, with the faults the tests need, whatever the server is built on:
/// the development gateway (ASP.NET Core / Kestrel) or the grpc-js gateway (Node). Neither checks SAMS tokens here.
/// </summary>
internal interface IGatewayUnderTest : IAsyncDisposable
{
    /// <summary>The server's name in test data: <see cref="GatewayServers.Kestrel"/> or <see cref="GatewayServers.GrpcJs"/>.</summary>
    string Name { get; }

    /// <summary>The plaintext loopback gRPC address.</summary>
    Uri Address { get; }

    /// <summary>Every event received so far (all incarnations of the server), duplicates included.</summary>
    Task<IReadOnlyList<GatewayReceipt>> ReceivedAsync();

    /// <summary>How many distinct event ids were received so far.</summary>
    Task<int> DistinctCountAsync();

    /// <summary>
    /// Fails the next <paramref name="count"/> RecordEvents streams with Unavailable at once, before reading a request
    /// message (<see cref="int.MaxValue"/>: until <see cref="ResetAsync"/>).
    /// </summary>
    Task RefuseNextStreamsAsync(int count);

    /// <summary>How many streams were refused by <see cref="RefuseNextStreamsAsync"/> so far.</summary>
    Task<int> RefusedStreamsAsync();

    /// <summary>The next <paramref name="count"/> streams are accepted, then never read nor answered.</summary>
    Task NeverReadNextStreamsAsync(int count);

    /// <summary>The next <paramref name="count"/> streams end abruptly when their first events payload arrives.</summary>
    Task AbortNextStreamsAsync(int count, bool acceptEventsFirst);

    /// <summary>The connections of the next <paramref name="count"/> streams get GOAWAY while the stream is open.</summary>
    Task GoAwayNextStreamsAsync(int count);

    /// <summary>Delays every response by <paramref name="delay"/> until <see cref="ResetAsync"/>.</summary>
    Task DelayResponsesAsync(TimeSpan delay);

    /// <summary>Leaves a reproducible <paramref name="fraction"/> of events out of the responses, each attempt rolled afresh.</summary>
    Task RejectFractionAsync(double fraction, int seed);

    /// <summary>How many events were left out because of <see cref="RejectFractionAsync"/>.</summary>
    Task<int> RejectedCountAsync();

    /// <summary>How many stream faults announced with a count are still to happen.</summary>
    Task<int> PendingStreamFaultsAsync();

    /// <summary>Removes every fault; received events are kept.</summary>
    Task ResetAsync();

    /// <summary>Stops the gRPC server at once; received events are kept.</summary>
    Task StopAsync();

    /// <summary>Starts the gRPC server again on the same port.</summary>
    Task RestartAsync();
}
