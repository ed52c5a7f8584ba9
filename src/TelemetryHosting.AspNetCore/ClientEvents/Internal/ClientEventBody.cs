using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>What the first pass over a request body found: where its events are, and its GraphQL parts if it has any.</summary>
internal sealed class ClientEventBody
{
    // The top-level properties a body may have, as flags.
    public const int EventsProperty = 1;
    public const int QueryProperty = 2;
    public const int VariablesProperty = 4;
    public const int OperationNameProperty = 8;
    public const int ExtensionsProperty = 16;

    private int _seen;

    public List<ClientEventSlice> Events { get; } = [];

    /// <summary>Gets or sets the GraphQL document, or <see langword="null"/>.</summary>
    public string? Query { get; set; }

    /// <summary>Gets or sets the GraphQL operation name, or <see langword="null"/>.</summary>
    public string? OperationName { get; set; }

    /// <summary>Gets or sets whether a GraphQL request's variables held <c>events</c>.</summary>
    public bool HasVariableEvents { get; set; }

    /// <summary>Gets or sets whether the body holds more events than allowed (those past the limit were not read).</summary>
    public bool TooManyEvents { get; set; }

    /// <summary>Gets whether the body is a GraphQL request (it has <c>query</c> or <c>variables</c>).</summary>
    public bool IsGraphQL => (_seen & (QueryProperty | VariablesProperty)) != 0;

    /// <summary>Gets the status code the whole body is refused with, or 0.</summary>
    public int StatusCode { get; private set; }

    /// <summary>Gets why the whole body is refused, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Notes a top-level property; <see langword="false"/> when it was seen before.</summary>
    public bool See(int property)
    {
        if ((_seen & property) != 0)
        {
            return false;
        }

        _seen |= property;
        return true;
    }

    public ClientEventBody RefuseTooMany(TelemetryClientEventsOptions options) => Refuse(
        StatusCodes.Status413PayloadTooLarge,
        $"The request holds more than {options.MaxEventsPerRequest} events; send at most {options.MaxEventsPerRequest} per request.");

    public ClientEventBody Refuse(int statusCode, string error)
    {
        StatusCode = statusCode;
        Error = error;
        Events.Clear();
        return this;
    }

    /// <summary>Checks that the body is one kind of request, with what that kind needs.</summary>
    /// <remarks>The shape is checked before the count, as the docs order them; a GraphQL request's count is checked once its document is read.</remarks>
    public ClientEventBody Finish(TelemetryClientEventsOptions options)
    {

        if (!IsGraphQL)
        {
            return (_seen & EventsProperty) == 0 ? Refuse(StatusCodes.Status400BadRequest, $"The request body has no 'events'. {ClientEventBodyScanner.BatchShape}")
                : TooManyEvents ? RefuseTooMany(options)
                : this;
        }

        return (_seen & EventsProperty) != 0
                ? Refuse(StatusCodes.Status400BadRequest, "The request body is a GraphQL request (it has 'query' or 'variables'): its events belong in 'variables.events'.")
            : (_seen & QueryProperty) == 0 ? Refuse(StatusCodes.Status400BadRequest, "The GraphQL request has no 'query'.")
            : !HasVariableEvents ? Refuse(StatusCodes.Status400BadRequest, "The GraphQL request has no 'variables' with 'events'.")
            : this;
    }
}
