namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The outcome of reading a request body: the events, each possibly rejected; or, when the body as a whole is
/// unacceptable, the status code and message to answer with and no events.
/// </summary>
internal sealed class ClientEventBatch
{
    private ClientEventBatch(IReadOnlyList<ClientEvent> events, int statusCode, string? error)
    {
        Events = events;
        StatusCode = statusCode;
        Error = error;
    }

    public IReadOnlyList<ClientEvent> Events { get; }

    /// <summary>Gets the status code for a body-level <see cref="Error"/>.</summary>
    public int StatusCode { get; }

    /// <summary>Gets why the whole body is refused, or <see langword="null"/> when its events were read.</summary>
    public string? Error { get; }

    public static ClientEventBatch Read(IReadOnlyList<ClientEvent> events) => new(events, 0, null);

    public static ClientEventBatch Refused(int statusCode, string error) => new([], statusCode, error);
}
