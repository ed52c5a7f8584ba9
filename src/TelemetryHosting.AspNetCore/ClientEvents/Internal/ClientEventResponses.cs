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

    /// <summary>
    /// Answers a GraphQL request as a GraphQL server would: <c>data</c> as the mutation's selection asks (absent when the
    /// request was refused as a whole), <c>errors</c> for a refused request or each rejected event (its index in
    /// <c>extensions</c>), and the counts in the answer's <c>extensions</c>.
    /// </summary>
    public static async Task WriteGraphQLAsync(
        HttpContext context,
        int statusCode,
        ClientEventGraphQLMutation? mutation,
        int accepted,
        int dropped,
        IReadOnlyList<(int Index, string Message)>? errors,
        string? requestError = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            if (requestError is not null || errors is { Count: > 0 })
            {
                writer.WriteStartArray("errors");
                if (requestError is not null)
                {
                    writer.WriteStartObject();
                    writer.WriteString("message", requestError);
                    writer.WriteEndObject();
                }

                foreach (var (index, message) in errors ?? [])
                {
                    writer.WriteStartObject();
                    writer.WriteString("message", $"events[{index}]: {message}");
                    writer.WriteStartArray("path");
                    writer.WriteStringValue("telemetry");
                    writer.WriteStringValue("recordEvents");
                    writer.WriteEndArray();
                    writer.WriteStartObject("extensions");
                    writer.WriteNumber("index", index);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (mutation is not null)
            {
                writer.WriteStartObject("data");
                WriteTypeName(writer, mutation.MutationTypeName, "Mutation");
                writer.WriteStartObject("telemetry");
                WriteTypeName(writer, mutation.TelemetryTypeName, "TelemetryMutation");
                writer.WriteStartObject("recordEvents");
                WriteTypeName(writer, mutation.RecordEventsTypeName, "EmptyResponse");
                if (mutation.AlwaysNil)
                {
                    writer.WriteNull("alwaysNil");
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteStartObject("extensions");
            writer.WriteNumber("accepted", accepted);
            writer.WriteNumber("dropped", dropped);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);

        static void WriteTypeName(Utf8JsonWriter writer, bool asked, string name)
        {
            if (asked)
            {
                writer.WriteString("__typename", name);
            }
        }
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
