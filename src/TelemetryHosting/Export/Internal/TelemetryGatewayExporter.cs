using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Options;
using Telemetrygateway.V1;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Sends one batch as one <c>RecordEvents</c> stream: metadata first, events in payloads under the byte limit,
/// half-close, then every response read. Acknowledged ids are collected as they arrive, so that even a stream
/// that fails part-way reports what the gateway did publish.
/// </summary>
internal sealed class TelemetryGatewayExporter
{
    /// <summary>The name of the library's gRPC client in the client factory.</summary>
    public const string ClientName = "TelemetryHosting.Gateway";

    /// <summary>Each export runs in an activity of this source; its trace id is the stream's request id.</summary>
    public static readonly ActivitySource ActivitySource = new("TelemetryHosting");

    private readonly GrpcClientFactory _clientFactory;
    private readonly EventMessageBuilder _messageBuilder;
    private readonly GatewayAuthentication _authentication;
    private readonly int _maxPayloadBytes;
    private readonly TimeSpan _exportTimeout;

    public TelemetryGatewayExporter(
        GrpcClientFactory clientFactory,
        EventMessageBuilder messageBuilder,
        GatewayAuthentication authentication,
        IOptions<TelemetryGatewayOptions> options)
    {
        _clientFactory = clientFactory;
        _messageBuilder = messageBuilder;
        _authentication = authentication;
        _maxPayloadBytes = options.Value.MaxPayloadBytes;
        _exportTimeout = options.Value.ExportTimeout;
    }

    /// <summary>
    /// Sends those of <paramref name="events"/> not in <paramref name="acknowledged"/> yet (every attempt, including the
    /// repeat after a token renewal, keeps their ids) and adds the ids the gateway acknowledges to it.
    /// </summary>
    /// <returns>The stream's request id.</returns>
    /// <exception cref="RpcException">The stream failed; <paramref name="acknowledged"/> still holds what was acknowledged before.</exception>
    public Task<string> ExportAsync(IReadOnlyList<PendingEvent> events, HashSet<string> acknowledged, CancellationToken cancellationToken) =>
        // Authentication (issue 4): on Unauthenticated the token is renewed and the stream repeated once.
        _authentication.ExecuteAsync(
            token => ExportStreamAsync(acknowledged.Count == 0 ? events : events.Where(e => !e.IsIn(acknowledged)).ToList(), acknowledged, token),
            cancellationToken);

    private async Task<string> ExportStreamAsync(IReadOnlyList<PendingEvent> events, HashSet<string> acknowledged, CancellationToken cancellationToken)
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
        using var call = client.Invoker.AsyncDuplexStreamingCall(
            EncodedEventsRequest.RecordEvents, null, new CallOptions(deadline: deadline, cancellationToken: attempt.Token));
        try
        {
            // Responses are read while payloads are still being written: HTTP/2 flow control must not stall on
            // unread responses, and a server error ends the call with the status read here.
            var reading = ReadAcknowledgementsAsync(call.ResponseStream, acknowledged, attempt.Token);
            var writing = WriteRequestsAsync(call.RequestStream, requestId, events, attempt.Token);

            // Bounded by the reading, which ends with the response (its status), the attempt's token or the deadline.
            if (await Task.WhenAny(reading, writing).ConfigureAwait(false) == writing)
            {
                // Everything was written, or a write failed because the call broke: either way the response ends with
                // its status (which says more than a failed write), the attempt's token or the deadline.
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
            // cancellation; the status says which.
            throw new RpcException(StatusOf(call));
        }

        activity?.SetTag("telemetryhosting.batch.acknowledged", acknowledged.Count);
        return requestId;
    }

    // Not bounded by itself: a write can wait for flow-control credit for good. The attempt awaits it only while the
    // response is still open (which its token and the deadline bound), and abandons it once the response has ended.
    private async Task WriteRequestsAsync(
        IClientStreamWriter<EncodedEventsRequest> requests, string requestId, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        await requests.WriteAsync(
            EncodedEventsRequest.ForMetadata(new RecordEventsRequestMetadata { RequestId = requestId, Identifier = _messageBuilder.Identifier }),
            cancellationToken).ConfigureAwait(false);

        foreach (var payload in Payloads(events))
        {
            await requests.WriteAsync(EncodedEventsRequest.ForEvents(payload), cancellationToken).ConfigureAwait(false);
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
            foreach (var id in responses.Current.SucceededEvents)
            {
                acknowledged.Add(id);
            }
        }
    }

    private IEnumerable<List<PendingEvent>> Payloads(IReadOnlyList<PendingEvent> events)
    {
        var payload = new List<PendingEvent>();
        var bytes = 0;
        foreach (var pending in events)
        {
            if (payload.Count > 0 && bytes + pending.EncodedSize > _maxPayloadBytes)
            {
                yield return payload;
                payload = [];
                bytes = 0;
            }

            payload.Add(pending);
            bytes += pending.EncodedSize;
        }

        if (payload.Count > 0)
        {
            yield return payload;
        }
    }
}
