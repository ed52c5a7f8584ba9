namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The one GraphQL request the endpoint answers, the mutation Sourcegraph's telemetry exporters send:
/// <c>mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }</c>
/// (or named <c>RecordTelemetryEvents</c>). <see cref="Read"/> compares a document's tokens with it, ignoring what
/// GraphQL ignores (white space, commas, comments) and allowing <c>__typename</c> in each selection, as GraphQL clients
/// add it. Any other document is refused: this is not a GraphQL server.
/// </summary>
internal sealed class ClientEventGraphQLMutation
{
    public const string Expected =
        "The GraphQL request must be Sourcegraph's telemetry mutation: mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }.";

    private static readonly string[] OperationNames = ["ExportTelemetryEvents", "RecordTelemetryEvents"];

    private readonly string _query;
    private int _position;

    private ClientEventGraphQLMutation(string query)
    {
        _query = query;
    }

    /// <summary>Gets whether the answer's <c>data</c> holds <c>__typename</c>.</summary>
    public bool MutationTypeName { get; private set; }

    /// <summary>Gets whether the answer's <c>telemetry</c> holds <c>__typename</c>.</summary>
    public bool TelemetryTypeName { get; private set; }

    /// <summary>Gets whether the answer's <c>recordEvents</c> holds <c>__typename</c>.</summary>
    public bool RecordEventsTypeName { get; private set; }

    /// <summary>Gets whether the answer's <c>recordEvents</c> holds <c>alwaysNil</c>.</summary>
    public bool AlwaysNil { get; private set; }

    /// <summary>Reads <paramref name="query"/>; returns <see langword="null"/> and why when it is not the mutation.</summary>
    public static ClientEventGraphQLMutation? Read(string query, string? operationName, out string? error)
    {
        var mutation = new ClientEventGraphQLMutation(query);
        error = mutation.ReadDocument(operationName);
        return error is null ? mutation : null;
    }

    private string? ReadDocument(string? operationName)
    {
        if (Next() != "mutation")
        {
            return Expected;
        }

        var name = Next();
        if (Array.IndexOf(OperationNames, name) < 0)
        {
            return $"The GraphQL operation must be named {string.Join(" or ", OperationNames)}. {Expected}";
        }

        if (operationName is not null && operationName != name)
        {
            return $"'operationName' names an operation the query does not have; it holds only '{name}'.";
        }

        if (!Expect("(", "$", "events", ":", "[", "TelemetryEventInput", "!", "]", "!", ")", "{"))
        {
            return Expected;
        }

        // One operation, nothing after it.
        var telemetry = false;
        var read = ReadSelection(field => field == "__typename"
            ? MutationTypeName = true
            : field == "telemetry" && !telemetry && Expect("{") && (telemetry = ReadTelemetry()));
        return read && telemetry && Next() is null && _position >= _query.Length ? null : Expected;
    }

    private bool ReadTelemetry()
    {
        var recordEvents = false;
        var read = ReadSelection(field => field == "__typename"
            ? TelemetryTypeName = true
            : field == "recordEvents" && !recordEvents && Expect("(", "events", ":", "$", "events", ")", "{") && (recordEvents = ReadRecordEvents()));
        return read && recordEvents;
    }

    private bool ReadRecordEvents() => ReadSelection(field => field switch
    {
        "__typename" => RecordEventsTypeName = true,
        "alwaysNil" => AlwaysNil = true,
        _ => false,
    });

    /// <summary>Reads the fields of a selection set up to its closing brace; <see langword="false"/> when one is not allowed, none is there, or the document ends first.</summary>
    private bool ReadSelection(Func<string, bool> readField)
    {
        var any = false;
        while (Next() is { } field)
        {
            if (field == "}")
            {
                return any;
            }

            if (!readField(field))
            {
                return false;
            }

            any = true;
        }

        return false;
    }

    private bool Expect(params ReadOnlySpan<string> tokens)
    {
        foreach (var token in tokens)
        {
            if (Next() != token)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The next token: a name or a one-character punctuator; <see langword="null"/> at the end or at anything else.</summary>
    private string? Next()
    {
        var query = _query;
        while (_position < query.Length)
        {
            var c = query[_position];
            if (c is ' ' or '\t' or '\n' or '\r' or ',' or '\uFEFF')
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < query.Length && query[_position] is not ('\n' or '\r'))
                {
                    _position++;
                }
            }
            else
            {
                break;
            }
        }

        if (_position >= query.Length)
        {
            return null;
        }

        var start = _position;
        var first = query[start];
        if (first is '!' or '$' or '(' or ')' or ':' or '[' or ']' or '{' or '}')
        {
            _position++;
            return first.ToString();
        }

        if (!char.IsAsciiLetter(first) && first != '_')
        {
            // Anything else (a number, a string, a directive, a fragment's dots) is a token the mutation never has, so
            // that whatever expects a token fails on it.
            _position++;
            return first.ToString();
        }

        while (_position < query.Length && (char.IsAsciiLetterOrDigit(query[_position]) || query[_position] == '_'))
        {
            _position++;
        }

        return query[start.._position];
    }
}
