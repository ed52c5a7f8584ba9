using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using TelemetryHosting.AspNetCore.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The client event endpoint: refuses what it must as early and as cheaply as it can (user, rate limit, media type,
/// declared size, read size, batch shape, event count), then validates each event, hydrates it with what only the
/// server can vouch for and records it.
/// </summary>
internal sealed class ClientEventEndpoint
{
    private const string RejectedTitle = "One or more telemetry events were rejected.";
    private const string BaggageShieldName = "TelemetryHosting.ClientEvents.Record";

    private readonly ITelemetryRecorder _recorder;
    private readonly ClientEventRateLimiter _rateLimiter;
    private readonly TelemetryClientEventsOptions _options;
    private readonly InteractionIdHeader _interactionIdHeader;
    private readonly string _samsExternalIdClaimType;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public ClientEventEndpoint(
        ITelemetryRecorder recorder,
        ClientEventRateLimiter rateLimiter,
        InteractionIdHeader interactionIdHeader,
        IOptions<TelemetryClientEventsOptions> options,
        IOptions<TelemetryAspNetCoreOptions> aspNetCoreOptions,
        TimeProvider timeProvider,
        ILogger<ClientEventEndpoint> logger)
    {
        _recorder = recorder;
        _rateLimiter = rateLimiter;
        _options = options.Value;
        _interactionIdHeader = interactionIdHeader;
        _samsExternalIdClaimType = aspNetCoreOptions.Value.SamsExternalIdClaimType;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleRequestAsync(context).ConfigureAwait(false);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a reset connection) at any step: the rate limiter's wait, the body read, or the answer
            // to a read that failed just before the abort was signalled. Nobody is left to answer.
            Log.ClientEventRequestRefused(_logger, StatusCodes.Status499ClientClosedRequest, "client closed the request");
        }
    }

    private async Task HandleRequestAsync(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true && !_options.AllowAnonymous)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Authentication required.", "Recording client events requires an authenticated user.", "anonymous").ConfigureAwait(false);
            return;
        }

        var samsExternalId = SamsExternalIdClaim.Find(user, _samsExternalIdClaimType);
        if (_rateLimiter.AcquireAsync(ClientEventRateLimiter.PartitionOf(context, samsExternalId), context.RequestAborted) is { } acquiring)
        {
            using var lease = await acquiring.ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var after) ? after : _rateLimiter.ReplenishmentPeriod;
                var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests.", $"Too many telemetry requests from this user; retry after {seconds} s.", "rate limited").ConfigureAwait(false);
                return;
            }
        }

        if (!context.Request.HasJsonContentType())
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "Send the events as JSON, with Content-Type: application/json.", "media type").ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength > _options.MaxBodyBytes)
        {
            await RefuseTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        ClientEventBatch batch;
        using (var body = new ClientEventBodyReader())
        {
            try
            {
                await body.ReadAsync(context.Request.Body, _options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException exception)
            {
                // The server's own limits or framing (a body over Kestrel's MaxRequestBodySize, broken chunking).
                await RefuseAsync(context, exception.StatusCode, "The request body could not be read.", exception.Message, "unreadable body").ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Whatever a body's transfer or decompression throws is the client's body: a 400, never a 500.
            // Unless the client went away mid-body: not an unreadable body to answer and count (HandleAsync logs it).
            catch (Exception exception) when (exception is not OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
            {
                // A compressed body that does not decompress (gzip: InvalidDataException; Brotli: InvalidOperationException),
                // or a connection reset while reading, behind the host's request decompression.
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "The request body could not be read.", ClientEventJsonErrors.Truncate(exception.Message), "unreadable body").ConfigureAwait(false);
                return;
            }

            if (body.Length > _options.MaxBodyBytes)
            {
                await RefuseTooLargeAsync(context).ConfigureAwait(false);
                return;
            }

            batch = ClientEventBodyParser.Parse(body.Body, _options);
        }

        if (batch.Error is not null && batch.IsGraphQL)
        {
            Log.ClientEventRequestRefused(_logger, batch.StatusCode, "invalid body");
            await ClientEventResponses.WriteGraphQLAsync(context, batch.StatusCode, null, 0, 0, null, batch.Error).ConfigureAwait(false);
            return;
        }

        if (batch.Error is not null)
        {
            var title = batch.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Too many events." : "The request body is not a batch of telemetry events.";
            await RefuseAsync(context, batch.StatusCode, title, batch.Error, "invalid body").ConfigureAwait(false);
            return;
        }

        await RecordAsync(context, batch, samsExternalId).ConfigureAwait(false);
    }

    private async Task RecordAsync(HttpContext context, ClientEventBatch batch, string? samsExternalId)
    {
        var events = batch.Events;
        var interactionId = _interactionIdHeader.Find(context.Request);
        var eventUser = samsExternalId is null ? null : new TelemetryEventUser { SamsExternalId = samsExternalId };
        var now = _timeProvider.GetUtcNow();
        var earliest = now - _options.MaxTimestampAge;
        var latest = now + _options.MaxTimestampLead;

        var accepted = 0;
        var dropped = 0;
        List<(int Index, string Message)>? errors = null;

        // The recorder captures Activity.Current's trace id: a trace the client chose is hidden from it while recording.
        // No try/finally: on an exception the async method's own execution context, where this is set, is discarded.
        var requestActivity = Activity.Current;
        var hideCallerTrace = !_options.TrustCallerTraceContext && ClientTraceContext.IsContinuedFromCaller(requestActivity);
        if (hideCallerTrace)
        {
            Activity.Current = null;
        }

        // Nor may the caller's baggage header choose an event's interaction id (the recorder's fallback when none is
        // given): a client's comes from the configured header or the event's own interactionID, nowhere else. The
        // caller's baggage is in OpenTelemetry's Baggage.Current and in the request activity's; a child activity with an
        // empty item hides the latter for the recorder, with the request's trace id and without changing the request's.
        var callerBaggage = Baggage.Current;
        Baggage.Current = default;
        using var baggageShield = Activity.Current?.GetBaggageItem(TelemetryEventParameters.InteractionIdBaggageKey) is null ? null
            : new Activity(BaggageShieldName).SetBaggage(TelemetryEventParameters.InteractionIdBaggageKey, string.Empty).Start();

        for (var index = 0; index < events.Count; index++)
        {
            var clientEvent = events[index];
            var error = clientEvent.Error ?? Validate(clientEvent);
            if (error is null)
            {
                var metadata = clientEvent.Metadata;
                var timestamp = clientEvent.Timestamp;
                if (timestamp < earliest || timestamp > latest)
                {
                    // Left unset, the recorder stamps the event with the server's time.
                    timestamp = null;
                    metadata ??= [];
                    metadata[TelemetryClientEventsOptions.TimestampReplacedMetadataKey] = 1;
                }

                try
                {
                    var recorded = _recorder.Record(clientEvent.Feature!, clientEvent.Action!, new TelemetryEventParameters
                    {
                        Timestamp = timestamp,
                        Metadata = metadata,
                        PrivateMetadata = clientEvent.PrivateMetadata,
                        Client = clientEvent.Client,
                        Version = clientEvent.Version,
                        Billing = clientEvent.Billing,
                        MarketingTracking = clientEvent.MarketingTracking,
                        User = eventUser,
                        InteractionId = clientEvent.InteractionId ?? interactionId,
                    });
                    if (recorded)
                    {
                        accepted++;
                    }
                    else
                    {
                        dropped++;
                    }
                }
                catch (ArgumentException exception)
                {
                    // The reader and Validate check everything the recorder does; this keeps a future rule from crashing the batch.
                    error = exception.Message;
                }
            }

            if (error is not null)
            {
                (errors ??= []).Add((index, error));
            }
        }

        baggageShield?.Stop();
        Baggage.Current = callerBaggage;
        if (hideCallerTrace)
        {
            Activity.Current = requestActivity;
        }

        Log.ClientEventsRecorded(_logger, accepted, dropped, errors?.Count ?? 0);
        if (batch.Mutation is { } mutation)
        {
            // GraphQL: the request was executed (the valid events are recorded); rejected events are errors beside the data.
            await ClientEventResponses.WriteGraphQLAsync(context, StatusCodes.Status200OK, mutation, accepted, dropped, errors).ConfigureAwait(false);
            return;
        }

        if (errors is null)
        {
            await ClientEventResponses.WriteAcceptedAsync(context, accepted, dropped).ConfigureAwait(false);
            return;
        }

        var detail = $"{errors.Count} of {events.Count} events were rejected; the other {events.Count - errors.Count} were recorded. Do not send the recorded events again.";
        await ClientEventResponses.WriteProblemAsync(context, StatusCodes.Status400BadRequest, RejectedTitle, detail, accepted, dropped, errors).ConfigureAwait(false);
    }

    private string? Validate(ClientEvent clientEvent)
    {
        var error = EventNameValidator.Validate(clientEvent.Feature, clientEvent.Action);
        if (error is not null || _options.AllowedFeaturePrefixes.Count == 0)
        {
            return error;
        }

        foreach (var prefix in _options.AllowedFeaturePrefixes)
        {
            if (clientEvent.Feature!.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return $"'feature' is not one clients may record here: it must start with {string.Join(" or ", _options.AllowedFeaturePrefixes.Select(prefix => $"'{prefix}'"))}.";
    }

    private Task RefuseTooLargeAsync(HttpContext context) => RefuseAsync(
        context,
        StatusCodes.Status413PayloadTooLarge,
        "Request body too large.",
        $"The request body is larger than {_options.MaxBodyBytes} bytes; send fewer or smaller events per request.",
        "body too large");

    private Task RefuseAsync(HttpContext context, int statusCode, string title, string detail, string reason)
    {
        Log.ClientEventRequestRefused(_logger, statusCode, reason);
        return ClientEventResponses.WriteProblemAsync(context, statusCode, title, detail);
    }
}
