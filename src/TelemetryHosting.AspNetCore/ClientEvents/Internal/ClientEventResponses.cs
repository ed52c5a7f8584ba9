using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Writes the endpoint's answers: <c>{ "accepted", "dropped" }</c> for 202, RFC 9457 problem details otherwise.
/// Written with <see cref="Utf8JsonWriter"/>: no reflection, and client text in messages is escaped.
/// </summary>
internal static class ClientEventResponses
{
    public static async Task WriteAcceptedAsync(HttpContext context, int accepted, int dropped)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteNumber("accepted", accepted);
            writer.WriteNumber("dropped", dropped);
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteProblemAsync(
        HttpContext context,
        int statusCode,
        string title,
        string detail,
        int accepted = 0,
        int dropped = 0,
        IReadOnlyList<(int Index, string Message)>? errors = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/problem+json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeOf(statusCode));
            writer.WriteString("title", title);
            writer.WriteNumber("status", statusCode);
            writer.WriteString("detail", detail);
            writer.WriteNumber("accepted", accepted);
            writer.WriteNumber("dropped", dropped);
            writer.WriteStartArray("errors");
            foreach (var (index, message) in errors ?? [])
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", index);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static string TypeOf(int statusCode) => statusCode switch
    {
        StatusCodes.Status401Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        StatusCodes.Status415UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    };
}
