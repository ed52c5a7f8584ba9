namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The outcome of reading a request body: the events, each possibly rejected; or, when the body as a whole is
/// unacceptable, the status code and message to answer with and no events. A GraphQL request is answered in GraphQL's shape.
/// </summary>
internal sealed class ClientEventBatch
{
    private ClientEventBatch(IReadOnlyList<ClientEvent> events, int statusCode, string? error, bool isGraphQL, ClientEventGraphQLMutation? mutation)
    {
        Events = events;
        StatusCode = statusCode;
        Error = error;
        IsGraphQL = isGraphQL;
        Mutation = mutation;
    }

    public IReadOnlyList<ClientEvent> Events { get; }

    /// <summary>Gets the status code for a body-level <see cref="Error"/>.</summary>
    public int StatusCode { get; }

    /// <summary>Gets why the whole body is refused, or <see langword="null"/> when its events were read.</summary>
    public string? Error { get; }

    /// <summary>Gets whether the body is a GraphQL request, to be answered in GraphQL's shape.</summary>
    public bool IsGraphQL { get; }

    /// <summary>Gets the GraphQL mutation read, which says what the answer's <c>data</c> holds; <see langword="null"/> for a batch.</summary>
    public ClientEventGraphQLMutation? Mutation { get; }

    public static ClientEventBatch Read(IReadOnlyList<ClientEvent> events, ClientEventGraphQLMutation? mutation) =>
        new(events, 0, null, mutation is not null, mutation);

    public static ClientEventBatch Refused(int statusCode, string error, bool isGraphQL = false) => new([], statusCode, error, isGraphQL, null);
}
