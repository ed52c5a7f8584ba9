namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>A GraphQL document the generator wrote: <see cref="Operation"/> names it when it is the accepted mutation.</summary>
internal sealed record GraphQLDocument(string Text, string? Operation);

/// <summary>What the endpoint must answer a request with.</summary>
/// <param name="Status">The status when the request is refused as a whole (400, 413); 0 when its events decide it.</param>
/// <param name="Events">The events to judge one by one, or <see langword="null"/> when the request is refused.</param>
/// <param name="GraphQL">Whether the request is a GraphQL request, answered in GraphQL's shape.</param>
internal sealed record Expectation(int Status, List<FuzzJson>? Events, bool GraphQL)
{
    public static Expectation Refused(bool graphQL) => new(400, null, graphQL);

    /// <summary>A request whose shape is right: too many events refuse it as a whole (checked after the shape).</summary>
    public static Expectation Of(List<FuzzJson> events, bool graphQL) =>
        events.Count > ClientEventRequestReference.MaxEvents ? new(413, null, graphQL) : new(0, events, graphQL);
}

/// <summary>
/// The reference for a whole request body in the generator's tree, written from the rules with none of the endpoint's
/// code: a batch <c>{ "events": [...] }</c>, or the GraphQL request of Sourcegraph's exporters,
/// <c>{ "query", "variables": { "events": [...] }, "operationName", "extensions" }</c>, whose query must be the telemetry
/// mutation (either operation name) and whose <c>operationName</c>, when a string, must name it. The body's shape is
/// judged first, then the number of events (docs/client-events.md: "batch shape, event count").
/// </summary>
internal static class ClientEventRequestReference
{
    public const int MaxEvents = 100;

    private static readonly HashSet<string> TopLevelKeys = ["events", "query", "variables", "operationName", "extensions"];

    public static Expectation Judge(FuzzObject request, GraphQLDocument? document)
    {
        var graphQL = request.Properties.Any(p => p.Key.Text is "query" or "variables");
        if (!ClientEventReference.HasDistinctTextKeys(request) || request.Properties.Any(p => !TopLevelKeys.Contains(p.Key.Text!)))
        {
            return Expectation.Refused(graphQL);
        }

        var query = ClientEventInputReference.Get(request, "query");
        var variables = ClientEventInputReference.Get(request, "variables");
        var operationName = ClientEventInputReference.Get(request, "operationName");
        var events = ClientEventInputReference.Get(request, "events");
        if (query is not (null or FuzzString { Text: not null })
            || operationName is not (null or FuzzLiteral { IsNull: true } or FuzzString { Text: not null })
            || events is not (null or FuzzArray))
        {
            return Expectation.Refused(graphQL);
        }

        FuzzArray? variableEvents = null;
        if (variables is not null)
        {
            if (variables is not FuzzObject obj || !ClientEventReference.HasDistinctTextKeys(obj) || obj.Properties.Any(p => p.Key.Text != "events"))
            {
                return Expectation.Refused(graphQL);
            }

            if (ClientEventInputReference.Get(obj, "events") is { } value)
            {
                if (value is not FuzzArray array)
                {
                    return Expectation.Refused(graphQL);
                }

                variableEvents = array;
            }
        }

        if (!graphQL)
        {
            return events is FuzzArray batch ? Expectation.Of(batch.Items, graphQL: false) : Expectation.Refused(graphQL: false);
        }

        // A GraphQL request: its events in its variables only, and its document the mutation it names.
        if (events is not null || query is not FuzzString { Text: { } text } || variableEvents is null
            || document is not { Operation: { } operation } || document.Text != text
            || (operationName is FuzzString { Text: { } name } && name != operation))
        {
            return Expectation.Refused(graphQL: true);
        }

        return Expectation.Of(variableEvents.Items, graphQL: true);
    }
}
