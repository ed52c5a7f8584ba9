using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Telemetrygateway.V1;

using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// The gateway's gRPC service: RecordEvents and RecordEvent with the real gateway's checks, in its order, with its
/// status codes and messages (docs/gateway-contract.md: "The RecordEvents stream", "The unary RecordEvent", "Authentication").
/// </summary>
internal sealed class TelemetryGatewayService(
    EventPublisher publisher,
    GatewaySettings settings,
    SamsEmulator sams,
    GatewayFaults faults,
    ILogger<TelemetryGatewayService> logger) : TelemeteryGatewayService.TelemeteryGatewayServiceBase
{
    // What Go's gRPC recovery interceptor reports when the server dereferences a missing identifier.
    private const string NilIdentifierPanic = "panic during execution: runtime error: invalid memory address or nil pointer dereference";

    public override async Task RecordEvents(
        IAsyncStreamReader<RecordEventsRequest> requestStream,
        IServerStreamWriter<RecordEventsResponse> responseStream,
        ServerCallContext context)
    {
        ThrowIfInjectedCallFailure(nameof(RecordEvents));
        if (faults.TryInject(o => o.HangStreams))
        {
            await HangAsync(context).ConfigureAwait(false);
            return;
        }

        var goAway = faults.TryInject(o => o.GoAwayStreams);
        RecordEventsRequestMetadata? metadata = null;
        string? metadataJson = null;
        var firstPayload = true;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            switch (request.PayloadCase)
            {
                case RecordEventsRequest.PayloadOneofCase.Metadata:
                    if (metadata is not null)
                    {
                        throw Refuse(nameof(RecordEvents), StatusCode.InvalidArgument, "received metadata more than once");
                    }

                    CheckStreamIdentifier(request.Metadata, context);
                    metadata = request.Metadata;
                    metadataJson = EventPublisher.FormatMetadata(metadata);
                    break;

                case RecordEventsRequest.PayloadOneofCase.Events:
                    if (metadata is null || metadataJson is null)
                    {
                        throw Refuse(nameof(RecordEvents), StatusCode.InvalidArgument, "got events when metadata not yet received");
                    }

                    var abort = false;
                    var acceptFirst = false;
                    if (firstPayload)
                    {
                        firstPayload = false;
                        abort = faults.TryInject(o => o.AbortStreams, out var abortFault);
                        acceptFirst = abortFault.AcceptEventsFirst;
                    }

                    if (goAway)
                    {
                        goAway = false;
                        GoAway(context, metadata);
                    }

                    if (abort && !acceptFirst)
                    {
                        Abort(context, metadata);
                        return;
                    }

                    var response = PublishPayload(request.Events, metadata, metadataJson);
                    if (abort)
                    {
                        Abort(context, metadata);
                        return;
                    }

                    await DelayResponseAsync(context.CancellationToken).ConfigureAwait(false);
                    await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
                    break;

                default:
                    // A request with no payload set: the real gateway skips it.
                    break;
            }
        }
    }

    public override async Task<RecordEventResponse> RecordEvent(RecordEventRequest request, ServerCallContext context)
    {
        ThrowIfInjectedCallFailure(nameof(RecordEvent));

        if (request.Event is null)
        {
            throw Refuse(nameof(RecordEvent), StatusCode.InvalidArgument, "event is required");
        }

        var identifier = request.Metadata?.Identifier
            ?? throw Refuse(nameof(RecordEvent), StatusCode.Internal, NilIdentifierPanic);
        if (identifier.IdentifierCase != Identifier.IdentifierOneofCase.ManagedService)
        {
            throw Refuse(nameof(RecordEvent), StatusCode.Unimplemented, "unsupported identifier type");
        }

        if (identifier.ManagedService.ServiceId.Length == 0)
        {
            throw Refuse(nameof(RecordEvent), StatusCode.InvalidArgument, "service_id is required for managed services");
        }

        CheckToken(nameof(RecordEvent), context);

        // The unary path publishes the event as it is: no legacy-metadata merge.
        var result = publisher.Publish(request.Event, request.Metadata, EventPublisher.FormatMetadata(request.Metadata), mergeLegacyMetadata: false);
        LogResult(request.Event, result);
        await DelayResponseAsync(context.CancellationToken).ConfigureAwait(false);
        if (result.Outcome is PublishOutcome.Invalid or PublishOutcome.InjectedFailure)
        {
            throw Refuse(nameof(RecordEvent), StatusCode.Internal, "failed to publish event: " + result.Error);
        }

        return new RecordEventResponse();
    }

    private RecordEventsResponse PublishPayload(RecordEventsRequest.Types.EventsPayload payload, RecordEventsRequestMetadata metadata, string metadataJson)
    {
        var managedService = metadata.Identifier.IdentifierCase == Identifier.IdentifierOneofCase.ManagedService;
        var response = new RecordEventsResponse();
        foreach (var ev in payload.Events)
        {
            var result = publisher.Publish(ev, metadata, metadataJson, mergeLegacyMetadata: true);
            LogResult(ev, result);

            // Invalid events count as failed for managed services only; Sourcegraph instances are told they succeeded
            // so that their queues do not retry them forever.
            var succeeded = result.Outcome switch
            {
                PublishOutcome.Published or PublishOutcome.Oversize => true,
                PublishOutcome.Invalid => !managedService,
                _ => false,
            };
            if (succeeded)
            {
                response.SucceededEvents.Add(result.Id);
            }
        }

        Log.PayloadHandled(logger, payload.Events.Count, Clip(metadata.RequestId), response.SucceededEvents.Count);
        return response;
    }

    private void CheckStreamIdentifier(RecordEventsRequestMetadata metadata, ServerCallContext context)
    {
        var identifier = metadata.Identifier ?? throw Refuse(nameof(RecordEvents), StatusCode.Internal, NilIdentifierPanic);
        switch (identifier.IdentifierCase)
        {
            case Identifier.IdentifierOneofCase.LicensedInstance:
                // The real gateway verifies the key's signature; here a configured set of development keys stands in.
                if (!settings.LicenseKeys.Contains(identifier.LicensedInstance.LicenseKey))
                {
                    throw Refuse(nameof(RecordEvents), StatusCode.InvalidArgument, "invalid license_key: the key is not one of the development gateway's license keys");
                }

                break;

            case Identifier.IdentifierOneofCase.UnlicensedInstance:
                if (identifier.UnlicensedInstance.InstanceId.Length == 0)
                {
                    throw Refuse(nameof(RecordEvents), StatusCode.InvalidArgument, "instance_id is required for unlicensed instance");
                }

                break;

            case Identifier.IdentifierOneofCase.ManagedService:
                if (identifier.ManagedService.ServiceId.Length == 0)
                {
                    throw Refuse(nameof(RecordEvents), StatusCode.InvalidArgument, "service_id is required for managed services");
                }

                CheckToken(nameof(RecordEvents), context);
                break;

            default:
                throw Refuse(nameof(RecordEvents), StatusCode.Unimplemented, "unsupported identifier type");
        }
    }

    private void CheckToken(string method, ServerCallContext context)
    {
        if (!settings.RequireAuthentication)
        {
            return;
        }

        var authorization = context.GetHttpContext().Request.Headers.Authorization;
        var values = new List<string>(authorization.Count);
        foreach (var value in authorization)
        {
            values.Add(value ?? string.Empty);
        }

        if (SamsTokenCheck.Check(context.RequestHeaders.Count > 0, values, sams, faults) is { } failure)
        {
            throw Refuse(method, failure.StatusCode, failure.Detail);
        }
    }

    private void ThrowIfInjectedCallFailure(string method)
    {
        if (faults.TryInject(o => o.FailCalls, out var failure))
        {
            throw Refuse(method, failure.StatusCode, "injected failure (development gateway fault injection)");
        }
    }

    private Task DelayResponseAsync(CancellationToken cancellationToken)
    {
        return faults.TryInject(o => o.DelayResponses, out var delay) && delay.Delay > TimeSpan.Zero
            ? Task.Delay(delay.Delay, settings.TimeProvider, cancellationToken)
            : Task.CompletedTask;
    }

    private async Task HangAsync(ServerCallContext context)
    {
        Log.StreamHung(logger);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, settings.TimeProvider, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client gave up on the stream, or the gateway is stopping.
        }
    }

    private void GoAway(ServerCallContext context, RecordEventsRequestMetadata metadata)
    {
        // Kestrel answers a close request on an HTTP/2 connection with GOAWAY, then closes it once its streams are done.
        Log.ConnectionClosing(logger, Clip(metadata.RequestId));
        context.GetHttpContext().Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
    }

    private void Abort(ServerCallContext context, RecordEventsRequestMetadata metadata)
    {
        Log.StreamAborted(logger, Clip(metadata.RequestId));
        context.GetHttpContext().Abort();
    }

    private void LogResult(Event ev, PublishResult result)
    {
        switch (result.Outcome)
        {
            case PublishOutcome.Invalid:
            case PublishOutcome.InjectedFailure:
                Log.EventNotPublished(logger, Clip(ev.Id), Clip(ev.Feature), Clip(ev.Action), result.Error ?? string.Empty);
                break;
            case PublishOutcome.Oversize:
                Log.EventOversize(logger, Clip(ev.Id), Clip(ev.Feature), Clip(ev.Action));
                break;
            default:
                break;
        }
    }

    // An invalid event's id, feature or action (or a request id) can be megabytes long: the log gets their start only.
    // Log escapes what is left (PeerText).
    private static string Clip(string value)
    {
        const int MaxLoggedLength = 100;
        return value.Length <= MaxLoggedLength
            ? value
            : string.Create(CultureInfo.InvariantCulture, $"{TextClip.Clip(value, MaxLoggedLength)} ({value.Length} characters)");
    }

    private RpcException Refuse(string method, StatusCode code, string detail)
    {
        Log.CallRefused(logger, method, code, detail);
        return new RpcException(new Status(code, detail));
    }
}
