using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads a client's request body: <c>{ "events": [ ... ] }</c> with events in the compact shape or Sourcegraph's
/// <c>TelemetryEventInput</c> shape, or the GraphQL request of Sourcegraph's telemetry exporters. A first pass
/// (<see cref="ClientEventBodyScanner"/>) finds and counts the events without building anything; then each event is
/// read on its own, from its own bytes, so that a problem with one event rejects only that event. A body that is not
/// JSON, not shaped like a batch, or holds too many events, rejects the whole request. Nothing a body holds makes it throw.
/// </summary>
internal static class ClientEventBodyParser
{
    public static ClientEventBatch Parse(ReadOnlyMemory<byte> body, TelemetryClientEventsOptions options)
    {
        var scanned = ClientEventBodyScanner.Scan(body.Span, options);
        if (scanned.Error is { } error)
        {
            return ClientEventBatch.Refused(scanned.StatusCode, error, scanned.IsGraphQL);
        }

        ClientEventGraphQLMutation? mutation = null;
        if (scanned.IsGraphQL)
        {
            mutation = ClientEventGraphQLMutation.Read(scanned.Query!, scanned.OperationName, out var queryError);
            if (mutation is null)
            {
                return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, queryError!, isGraphQL: true);
            }

            if (scanned.TooManyEvents)
            {
                var tooMany = scanned.RefuseTooMany(options);
                return ClientEventBatch.Refused(tooMany.StatusCode, tooMany.Error!, isGraphQL: true);
            }
        }

        var events = new ClientEvent[scanned.Events.Count];
        for (var index = 0; index < events.Length; index++)
        {
            events[index] = ClientEventParser.Parse(body, scanned.Events[index], options);
        }

        return ClientEventBatch.Read(events, mutation);
    }
}
