using System.Net.Http.Headers;
using System.Text;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// A curl command line taken apart the way a POSIX shell and curl would: words with single and double quotes, then the
/// options the documentation uses (<c>-i</c>, <c>-s</c>, <c>-H</c>, <c>-d</c>, <c>-X</c>) and the URL. Anything else
/// (another option, a shell expansion) is refused, so that a command the test cannot follow fails loudly.
/// </summary>
internal sealed class Curl
{
    public required Uri Url { get; init; }

    public required HttpMethod Method { get; init; }

    public required IReadOnlyList<(string Name, string Value)> Headers { get; init; }

    public string? Body { get; init; }

    public static Curl Parse(string command)
    {
        var words = Words(command);
        Assert.Equal("curl", words[0]);
        Uri? url = null;
        string? body = null;
        string? method = null;
        var headers = new List<(string, string)>();
        for (var index = 1; index < words.Count; index++)
        {
            var word = words[index];
            switch (word)
            {
                case "-i" or "-s" or "-sS" or "--include" or "--silent":
                    break;
                case "-H" or "--header":
                    var header = words[++index];
                    var colon = header.IndexOf(':', StringComparison.Ordinal);
                    Assert.True(colon > 0, $"curl header '{header}' has no name");
                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data" or "--data-raw":
                    body = words[++index];
                    break;
                case "-X" or "--request":
                    method = words[++index];
                    break;
                default:
                    Assert.False(word.StartsWith('-'), $"curl option {word} is not one this test follows: {command}");
                    Assert.Null(url);
                    url = new Uri(word, UriKind.Absolute);
                    break;
            }
        }

        return new Curl
        {
            Url = url ?? throw new InvalidOperationException($"No URL in: {command}"),
            Method = new HttpMethod(method ?? (body is null ? "GET" : "POST")),
            Headers = headers,
            Body = body,
        };
    }

    /// <summary>Builds the request for a client whose base address stands in for the URL's scheme, host and port.</summary>
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(Method, Url.PathAndQuery);
        if (Body is not null)
        {
            // curl -d sends application/x-www-form-urlencoded unless a Content-Type header says otherwise.
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && request.Content is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                Assert.True(request.Headers.TryAddWithoutValidation(name, value), $"header {name} cannot be sent on a request");
            }
        }

        return request;
    }

    private static List<string> Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var index = 0; index < command.Length; index++)
        {
            var c = command[index];
            switch (c)
            {
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    var end = command.IndexOf('\'', index + 1);
                    Assert.True(end > index, $"unterminated single quote in: {command}");
                    word.Append(command, index + 1, end - index - 1);
                    index = end;
                    inWord = true;
                    break;
                case '"':
                    for (index++; index < command.Length && command[index] != '"'; index++)
                    {
                        Assert.False(command[index] is '$' or '`', $"shell expansion inside double quotes is not followed: {command}");
                        if (command[index] == '\\' && index + 1 < command.Length && command[index + 1] is '"' or '\\')
                        {
                            index++;
                        }

                        word.Append(command[index]);
                    }

                    Assert.True(index < command.Length, $"unterminated double quote in: {command}");
                    inWord = true;
                    break;
                default:
                    Assert.False(c is '$' or '`' or '|' or ';' or '&' or '>' or '<', $"shell syntax '{c}' is not followed: {command}");
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
