using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telemetrygateway.V1;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Sends a batch in <c>RecordEvents</c> streams: metadata, payloads under the byte limit, half-close, every response read.
/// Acknowledged ids are collected as they arrive, so that a stream failing part-way reports what the gateway published.
/// </summary>
internal sealed class TelemetryGatewayExporter(
    GrpcClientFactory clientFactory,
    GatewayAuthentication authentication,
    IOptions<TelemetryGatewayOptions> options,
    TimeProvider timeProvider,
    ILogger<TelemetryGatewayExporter> logger)
{
    /// <summary>The name of the library's gRPC client in the client factory.</summary>
    public const string ClientName = "TelemetryHosting.Gateway";

    /// <summary>Each export runs in an activity of this source; its trace id is the stream's request id.</summary>
    public static readonly ActivitySource ActivitySource = new("TelemetryHosting");

    // After a write failed, how long the call's status is waited for before the call is ended.
    private static readonly TimeSpan StatusAfterFailedWrite = TimeSpan.FromSeconds(2);

    private readonly TelemetryGatewayOptions _options = options.Value;
    private readonly StreamLimit _streamLimit = new(timeProvider, logger);
    private readonly Identifier _identifier = new()
    {
        // An optional field: left unset rather than set to an empty string.
        ManagedService = string.IsNullOrEmpty(options.Value.ServiceEnvironment)
            ? new() { ServiceId = options.Value.ServiceId }
            : new() { ServiceId = options.Value.ServiceId, ServiceEnvironment = options.Value.ServiceEnvironment },
    };

    /// <summary>
    /// Sends the events in neither set (with the same ids on every attempt), adding acknowledged ids to
    /// <paramref name="acknowledged"/> and an event refused as too large alone in a stream to <paramref name="tooLarge"/>.
    /// Returns the last stream's request id, or <see langword="null"/> when only events refused as too large were left
    /// (their refusals stand: the outage is not over). Throws when a stream failed, or was refused as too large before
    /// any got through; what was acknowledged before stays in <paramref name="acknowledged"/>.
    /// </summary>
    public async Task<string?> ExportAsync(
        List<OutboundEvent> events, HashSet<string> acknowledged, HashSet<string> tooLarge, CancellationToken cancellationToken)
    {
        var unsent = acknowledged.Count == 0 && tooLarge.Count == 0 ? events : [.. events.Where(e => !e.IsIn(acknowledged) && !e.IsIn(tooLarge))];
        var requestId = string.Empty;
        var sent = 0;
        var accepted = false;

        // Ends: each turn moves past the events of a stream, or refuses one event, or makes the next stream smaller than
        // the refused one (or throws), which can only happen until streams carry one event each.
        while (sent < unsent.Count)
        {
            var stream = Chunk(unsent, sent, _streamLimit.Bytes);
            try
            {
                // Authentication (docs/authentication.md): on Unauthenticated the token is renewed and the stream repeated once; the
                // repeat leaves out what the first stream had acknowledged.
                requestId = await authentication.ExecuteAsync(
                    token => ExportStreamAsync(acknowledged.Count == 0 ? stream.Events : [.. stream.Events.Where(e => !e.IsIn(acknowledged))], acknowledged, token),
                    cancellationToken).ConfigureAwait(false);
                sent = stream.End;
                accepted = true;
            }
            catch (RpcException exception) when (ExportFailure.IsRequestTooLarge(exception))
            {
                if (stream.Events.Count == 1)
                {
                    if (!stream.Events[0].IsIn(acknowledged))
                    {
                        tooLarge.Add(stream.Events[0].WireId);
                    }

                    // Nothing got through yet: the proxy may be refusing everything. The attempt fails, so that the
                    // retry pipeline backs off (and health and spill see an outage); the next attempt goes on with the
                    // other events.
                    if (!accepted)
                    {
                        throw;
                    }

                    sent = stream.End;
                }
                else if (_streamLimit.Lower(stream.Bytes))
                {
                    // The same events again, less what was acknowledged before the refusal, in smaller streams.
                    unsent = [.. unsent.Skip(sent).Where(e => !e.IsIn(acknowledged))];
                    sent = 0;
                }
                else
                {
                    // Smaller streams cannot be made (events of no size: a defect), so this is no size to adapt to.
                    throw;
                }
            }
        }

        return accepted || acknowledged.Count > 0 || tooLarge.Count == 0 ? requestId : null;
    }

    /// <summary>The events from <paramref name="from"/> on that fit in <paramref name="maxBytes"/> (one at least), and where they end.</summary>
    private static (List<OutboundEvent> Events, int End, long Bytes) Chunk(List<OutboundEvent> events, int from, long maxBytes)
    {
        var chunk = new List<OutboundEvent>();
        long bytes = 0;
        var end = from;
        for (; end < events.Count && (chunk.Count == 0 || bytes + events[end].EncodedSize <= maxBytes); end++)
        {
            chunk.Add(events[end]);
            bytes += events[end].EncodedSize;
        }

        return (chunk, end, bytes);
    }

    private async Task<string> ExportStreamAsync(List<OutboundEvent> events, HashSet<string> acknowledged, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("TelemetryHosting.Export", ActivityKind.Client);
        activity?.SetTag("telemetryhosting.batch.size", events.Count);
        var requestId = activity is not null ? activity.TraceId.ToHexString() : Guid.NewGuid().ToString("N");

        // The attempt's source ends the call when the caller gives up (attempt timeout, worker abort) or the response ends
        // while a write still waits. The deadline bounds the call even if the pipeline has no timeout (its strategies
        // can be replaced), and tells the gateway how long the client waits.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + _options.ExportTimeout;
        var client = clientFactory.CreateClient<TelemeteryGatewayService.TelemeteryGatewayServiceClient>(ClientName);
        using var call = client.RecordEncodedEvents(new CallOptions(deadline: deadline, cancellationToken: attempt.Token));

        // The stream's own set, merged into the export's once the attempt is over: an abandoned reading may still add to it.
        var received = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // Read while writing: HTTP/2 flow control must not stall on unread responses, and a server error ends the
            // call with the status read here.
            var reading = ReadAcknowledgementsAsync(call.ResponseStream, received, attempt.Token);
            var writing = WriteRequestsAsync(call.RequestStream, requestId, events, attempt.Token);

            // Bounded by the reading, which ends with the response (its status), the attempt's token or the deadline.
            await Task.WhenAny(reading, writing).ConfigureAwait(false);
            if (!writing.IsCompleted)
            {
                // The gateway answered before reading everything (a refusal at once, say). A write waiting for flow-control
                // credit then waits for good: neither the call's cancellation nor its disposal wakes it. So it is never
                // awaited: the call is ended and the write left to the garbage collector, its failure observed.
                await attempt.CancelAsync().ConfigureAwait(false);
                call.Dispose();
                _ = writing.ContinueWith(
                    static abandoned => abandoned.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            else if (!writing.IsCompletedSuccessfully && !reading.IsCompleted)
            {
                // A write failed: the call broke, and its status says why better than the write's error (observed
                // here). But a stream lost under a closing connection (a proxy's GOAWAY racing a new stream) may never
                // see its response end, so the status is waited for only briefly.
                var writeFailure = writing.Exception?.GetBaseException();
                await reading.WaitAsync(StatusAfterFailedWrite, TimeProvider.System, CancellationToken.None)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!reading.IsCompleted)
                {
                    // The reading observes the attempt's token: it ends at once. Bounded all the same.
                    await attempt.CancelAsync().ConfigureAwait(false);
                    await reading.WaitAsync(StatusAfterFailedWrite, TimeProvider.System, CancellationToken.None)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    _ = reading.Exception;
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new RpcException(new Status(
                        StatusCode.Unavailable, $"a request write failed and no status followed within {StatusAfterFailedWrite.TotalSeconds:F0} s", writeFailure));
                }
            }

            // The status first: it says why better than a write's failure.
            await reading.ConfigureAwait(false);
            if (writing.IsCompleted)
            {
                await writing.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The server ended the call with Cancelled or DeadlineExceeded, which the channel reports as
            // cancellation, or the attempt's own source ended it after a refusal; the status says which.
            throw new RpcException(StatusOf(call));
        }
        finally
        {
            lock (received)
            {
                acknowledged.UnionWith(received);
            }
        }

        activity?.SetTag("telemetryhosting.batch.acknowledged", acknowledged.Count);
        return requestId;
    }

    // Not bounded by itself: a write can wait for flow-control credit for good. The attempt awaits it only while the
    // response is still open (which its token and the deadline bound), and abandons it once the response has ended.
    private async Task WriteRequestsAsync(
        IClientStreamWriter<EncodedEventsRequest> requests, string requestId, List<OutboundEvent> events, CancellationToken cancellationToken)
    {
        var metadata = new RecordEventsRequestMetadata { RequestId = requestId, Identifier = _identifier };
        await requests.WriteAsync(new EncodedEventsRequest { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        for (var from = 0; from < events.Count;)
        {
            var payload = Chunk(events, from, _options.MaxPayloadBytes);
            await requests.WriteAsync(new EncodedEventsRequest { Events = payload.Events }, cancellationToken).ConfigureAwait(false);
            from = payload.End;
        }

        await requests.CompleteAsync().ConfigureAwait(false);
    }

    private static Status StatusOf(AsyncDuplexStreamingCall<EncodedEventsRequest, RecordEventsResponse> call)
    {
        try
        {
            return call.GetStatus();
        }
        catch (InvalidOperationException)
        {
            return new Status(StatusCode.Cancelled, "the call ended without a status");
        }
    }

    private static async Task ReadAcknowledgementsAsync(
        IAsyncStreamReader<RecordEventsResponse> responses, HashSet<string> acknowledged, CancellationToken cancellationToken)
    {
        // Bounded: the response ends with the status, the attempt's token, or the call's deadline.
        while (await responses.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            lock (acknowledged)
            {
                acknowledged.UnionWith(responses.Current.SucceededEvents);
            }
        }
    }
}
