using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telemetrygateway.V1;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Sends one batch as one <c>RecordEvents</c> stream (or several, once a stream was refused as too large): metadata
/// first, events in payloads under the byte limit, half-close, then every response read. Acknowledged ids are
/// collected as they arrive, so that even a stream that fails part-way reports what the gateway did publish.
/// </summary>
internal sealed class TelemetryGatewayExporter
{
    /// <summary>The name of the library's gRPC client in the client factory.</summary>
    public const string ClientName = "TelemetryHosting.Gateway";

    /// <summary>Each export runs in an activity of this source; its trace id is the stream's request id.</summary>
    public static readonly ActivitySource ActivitySource = new("TelemetryHosting");

    // After a write failed, how long the call's status is waited for before the call is ended.
    private static readonly TimeSpan StatusAfterFailedWrite = TimeSpan.FromSeconds(2);

    private readonly GrpcClientFactory _clientFactory;
    private readonly Identifier _identifier;
    private readonly GatewayAuthentication _authentication;
    private readonly int _maxPayloadBytes;
    private readonly TimeSpan _exportTimeout;
    private readonly StreamLimit _streamLimit;

    public TelemetryGatewayExporter(
        GrpcClientFactory clientFactory,
        GatewayAuthentication authentication,
        IOptions<TelemetryGatewayOptions> options,
        TimeProvider timeProvider,
        ILogger<TelemetryGatewayExporter> logger)
    {
        _streamLimit = new StreamLimit(timeProvider, logger);
        _clientFactory = clientFactory;
        _authentication = authentication;
        _identifier = new Identifier { ManagedService = new Identifier.Types.ManagedServiceIdentifier { ServiceId = options.Value.ServiceId } };
        if (!string.IsNullOrEmpty(options.Value.ServiceEnvironment))
        {
            _identifier.ManagedService.ServiceEnvironment = options.Value.ServiceEnvironment;
        }

        _maxPayloadBytes = options.Value.MaxPayloadBytes;
        _exportTimeout = options.Value.ExportTimeout;
    }

    /// <summary>
    /// Sends those of <paramref name="events"/> not in <paramref name="acknowledged"/> nor <paramref name="tooLarge"/>
    /// yet (every attempt, including the repeat after a token renewal, keeps their ids) and adds the ids the gateway
    /// acknowledges to <paramref name="acknowledged"/>. They go in one stream, or in several once the gateway or a proxy
    /// in front of it has refused a stream as too large. An event refused as too large alone in a stream is added to
    /// <paramref name="tooLarge"/> instead: not sent again by this export (its settlement counts the attempt).
    /// </summary>
    /// <returns>
    /// The last stream's request id; <see langword="null"/> when nothing got through and nothing was left to send but
    /// events refused as too large (the failures that refused them stand: the outage is not over).
    /// </returns>
    /// <exception cref="RpcException">
    /// A stream failed, or every stream was refused as too large (a proxy refusing everything is an outage, retried with
    /// backoff, not a size to adapt to); <paramref name="acknowledged"/> still holds what was acknowledged before.
    /// </exception>
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
                // Authentication (issue 4): on Unauthenticated the token is renewed and the stream repeated once; the
                // repeat leaves out what the first stream had acknowledged.
                requestId = await _authentication.ExecuteAsync(
                    token => ExportStreamAsync(acknowledged.Count == 0 ? stream.Events : [.. stream.Events.Where(e => !e.IsIn(acknowledged))], acknowledged, token),
                    cancellationToken).ConfigureAwait(false);
                sent = stream.End;
                accepted = true;
            }
            catch (RpcException exception) when (ExportFailure.IsRequestTooLarge(exception))
            {
                if (stream.Events.Count > 1)
                {
                    if (_streamLimit.Lower(stream.Bytes))
                    {
                        // The same events again, less what was acknowledged before the refusal, in smaller streams.
                        unsent = [.. unsent.Skip(sent).Where(e => !e.IsIn(acknowledged))];
                        sent = 0;
                        continue;
                    }

                    // Smaller streams cannot be made (events of no size: a defect), so this cannot be a size to adapt to.
                    throw;
                }

                if (!stream.Events[0].IsIn(acknowledged))
                {
                    tooLarge.Add(stream.Events[0].WireId);
                }

                sent = stream.End;
                if (!accepted)
                {
                    // Nothing got through yet: the proxy may be refusing everything. The attempt fails, so that the
                    // retry pipeline backs off (and health and spill see an outage); the next attempt goes on with the
                    // other events.
                    throw;
                }
            }
        }

        return accepted || acknowledged.Count > 0 || tooLarge.Count == 0 ? requestId : null;
    }

    /// <summary>The events from <paramref name="from"/> on that fit in <paramref name="maxBytes"/> (one at least), and where they end.</summary>
    private static (List<OutboundEvent> Events, int End, long Bytes) Chunk(IReadOnlyList<OutboundEvent> events, int from, long maxBytes)
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

        // The attempt's own source ends the call when the caller gives up (the retry pipeline's attempt timeout, the
        // worker's abort) or when the response ends while a write is still waiting. The gRPC deadline bounds the call on
        // the wall clock even if the pipeline has no timeout (its strategies can be replaced), and tells the gateway how
        // long the client waits.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + _exportTimeout;
        var client = _clientFactory.CreateClient<TelemeteryGatewayService.TelemeteryGatewayServiceClient>(ClientName);
        using var call = client.RecordEncodedEvents(new CallOptions(deadline: deadline, cancellationToken: attempt.Token));

        // The reading adds to a set of the stream's own, merged into the export's once this attempt is over: a reading
        // abandoned below may still add to it, but no one reads it then.
        var received = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // Responses are read while payloads are still being written: HTTP/2 flow control must not stall on
            // unread responses, and a server error ends the call with the status read here.
            var reading = ReadAcknowledgementsAsync(call.ResponseStream, received, attempt.Token);
            var writing = WriteRequestsAsync(call.RequestStream, requestId, events, attempt.Token);

            // Bounded by the reading, which ends with the response (its status), the attempt's token or the deadline.
            if (await Task.WhenAny(reading, writing).ConfigureAwait(false) == writing)
            {
                // Everything was written, or a write failed because the call broke. Then the call can only fail, and
                // its status says why better than the write's error; but a stream the HTTP/2 client lost under a
                // closing connection (a proxy's GOAWAY racing a new stream) may never see its response end, so after
                // a failed write the status is waited for only briefly.
                if (!writing.IsCompletedSuccessfully)
                {
                    // Observed here: the reading's failure is what is thrown when the status arrives. Bounded by the
                    // time given (the attempt's token ends the reading too).
                    var writeFailure = writing.Exception?.GetBaseException();
                    await reading.WaitAsync(StatusAfterFailedWrite, TimeProvider.System, CancellationToken.None)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (!reading.IsCompleted)
                    {
                        await attempt.CancelAsync().ConfigureAwait(false);

                        // The reading observes the attempt's token: it ends at once. Bounded all the same.
                        await reading.WaitAsync(StatusAfterFailedWrite, TimeProvider.System, CancellationToken.None)
                            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        _ = reading.Exception;
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new RpcException(new Status(
                            StatusCode.Unavailable, $"a request write failed and no status followed within {StatusAfterFailedWrite.TotalSeconds:F0} s", writeFailure));
                    }
                }

                await reading.ConfigureAwait(false);
                await writing.ConfigureAwait(false);
            }
            else
            {
                if (!writing.IsCompleted)
                {
                    // The gateway answered before reading everything (a refusal at once, say). A write waiting for
                    // flow-control credit then waits for good: the HTTP/2 client has closed the stream, and neither the
                    // call's cancellation nor its disposal wakes a write already waiting. So it is never awaited: the
                    // call is ended and the write left to the garbage collector, with its failure observed.
                    await attempt.CancelAsync().ConfigureAwait(false);
                    call.Dispose();
                    _ = writing.ContinueWith(
                        static abandoned => abandoned.Exception,
                        CancellationToken.None,
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }

                // Completed: this only surfaces its outcome (the status) or that of a write that ended first.
                await reading.ConfigureAwait(false);
                if (writing.IsCompleted)
                {
                    await writing.ConfigureAwait(false);
                }
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
        IClientStreamWriter<EncodedEventsRequest> requests, string requestId, IReadOnlyList<OutboundEvent> events, CancellationToken cancellationToken)
    {
        var metadata = new RecordEventsRequestMetadata { RequestId = requestId, Identifier = _identifier };
        await requests.WriteAsync(new EncodedEventsRequest { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        foreach (var payload in Payloads(events))
        {
            await requests.WriteAsync(new EncodedEventsRequest { Events = payload }, cancellationToken).ConfigureAwait(false);
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

    private IEnumerable<List<OutboundEvent>> Payloads(IReadOnlyList<OutboundEvent> events)
    {
        for (var from = 0; from < events.Count;)
        {
            var (payload, end, _) = Chunk(events, from, _maxPayloadBytes);
            from = end;
            yield return payload;
        }
    }
}
