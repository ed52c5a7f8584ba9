using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <content>
/// Call and stream faults as counted shortcuts: each replaces one fault of <see cref="GatewayFaultOptions"/> with one
/// enabled for the next <c>count</c> occasions (<see cref="FaultInjectionOptions.MaxInjections"/>).
/// </content>
public sealed partial class GatewayFaults
{
    /// <summary>Gets how many more calls <see cref="GatewayFaultOptions.FailCalls"/> will fail (<see cref="int.MaxValue"/> without a limit).</summary>
    public int PendingCallFailures => Remaining(o => o.FailCalls);

    /// <summary>Gets how many more streams <see cref="GatewayFaultOptions.AbortStreams"/> will abort.</summary>
    public int PendingStreamAborts => Remaining(o => o.AbortStreams);

    /// <summary>Gets how many more streams <see cref="GatewayFaultOptions.HangStreams"/> will leave hanging.</summary>
    public int PendingNeverReadStreams => Remaining(o => o.HangStreams);

    /// <summary>Gets how many more streams' connections <see cref="GatewayFaultOptions.GoAwayStreams"/> will close.</summary>
    public int PendingGoAways => Remaining(o => o.GoAwayStreams);

    /// <summary>Makes the next <paramref name="count"/> calls (streams or unary) fail at once with <paramref name="code"/>.</summary>
    /// <param name="count">How many calls fail; 0 cancels an earlier announcement.</param>
    /// <param name="code">The status code they fail with.</param>
    public void FailNextCalls(int count, StatusCode code = StatusCode.Unavailable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Replace(o => o.FailCalls, (o, fault) => o.FailCalls = fault, new CallFailureOptions { Enabled = count > 0, MaxInjections = count, StatusCode = code });
    }

    /// <summary>
    /// Aborts the next <paramref name="count"/> RecordEvents streams abruptly (HTTP/2 stream reset) when their first events
    /// payload arrives, before it is answered.
    /// </summary>
    /// <param name="count">How many streams are aborted; 0 cancels an earlier announcement.</param>
    /// <param name="acceptEventsFirst">
    /// <see langword="true"/> to store that payload's events before aborting (the client never learns they arrived, so a
    /// retry produces duplicates); <see langword="false"/> to drop them.
    /// </param>
    public void AbortNextStreams(int count, bool acceptEventsFirst = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Replace(o => o.AbortStreams, (o, fault) => o.AbortStreams = fault, new StreamAbortOptions { Enabled = count > 0, MaxInjections = count, AcceptEventsFirst = acceptEventsFirst });
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> RecordEvents streams hang: accepted, never read, never answered, until the
    /// client cancels them or the gateway stops (a deadlocked server). The client's writes stall once the HTTP/2
    /// stream's flow-control window is used up.
    /// </summary>
    /// <param name="count">How many streams hang; 0 cancels an earlier announcement.</param>
    public void NeverReadNextStreams(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Replace(o => o.HangStreams, (o, fault) => o.HangStreams = fault, new FaultInjectionOptions { Enabled = count > 0, MaxInjections = count });
    }

    /// <summary>
    /// Makes the connections of the next <paramref name="count"/> RecordEvents streams close gracefully when their first
    /// events payload arrives (HTTP/2 GOAWAY while the stream is open, as when a server is drained): that stream is still
    /// served, new streams need a new connection.
    /// </summary>
    /// <param name="count">How many streams' connections are closed; 0 cancels an earlier announcement.</param>
    public void GoAwayNextStreams(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Replace(o => o.GoAwayStreams, (o, fault) => o.GoAwayStreams = fault, new FaultInjectionOptions { Enabled = count > 0, MaxInjections = count });
    }
}
