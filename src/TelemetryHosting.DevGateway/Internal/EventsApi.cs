using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The web side for people and scripts: the events page at <c>/</c> and <c>/api/events</c>.</summary>
internal static class EventsApi
{
    private static readonly Lazy<byte[]> Page = new(LoadPage);

    /// <summary><c>GET /</c>: the page, plain HTML with inline script that polls <c>/api/events</c> every second.</summary>
    public static async Task WritePageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(Page.Value, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/events[?limit=N]</c>: counts and the kept events, newest first.</summary>
    public static async Task WriteEventsAsync(HttpContext context, ReceivedEventStore store)
    {
        var limit = int.MaxValue;
        if (context.Request.Query.TryGetValue("limit", out var limitValue)
            && (!int.TryParse(limitValue, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // Counts first, then the snapshot: a concurrent event can only make the list longer than the counts say.
        var count = store.Count;
        var distinct = store.DistinctCount;
        var duplicates = store.DuplicateCount;
        var invalid = store.InvalidCount;
        var oversize = store.OversizeCount;
        var events = store.Snapshot();

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("count", count);
        writer.WriteNumber("distinctCount", distinct);
        writer.WriteNumber("duplicateCount", duplicates);
        writer.WriteNumber("invalidCount", invalid);
        writer.WriteNumber("oversizeCount", oversize);
        writer.WriteNumber("storedCount", events.Count);
        writer.WriteStartArray("events");
        foreach (var ev in events.Take(limit))
        {
            WriteEvent(writer, ev);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /api/events</c>: forgets every event and count.</summary>
    public static void Clear(HttpContext context, ReceivedEventStore store)
    {
        store.Clear();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static void WriteEvent(Utf8JsonWriter writer, ReceivedEvent ev)
    {
        writer.WriteStartObject();
        writer.WriteString("id", ev.Id);
        writer.WriteString("feature", ev.Feature);
        writer.WriteString("action", ev.Action);
        writer.WriteString("timestamp", ev.Timestamp);
        writer.WriteString("receivedAt", ev.ReceivedAt);
        WriteOptional(writer, "serviceId", ev.ServiceId);
        WriteOptional(writer, "serviceEnvironment", ev.ServiceEnvironment);
        WriteOptional(writer, "instanceId", ev.InstanceId);
        writer.WriteString("requestId", ev.RequestId);
        WriteOptional(writer, "traceId", ev.TraceId);
        writer.WriteStartObject("metadata");
        foreach (var (key, value) in ev.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumber(key, value);
            }
            else
            {
                writer.WriteString(key, value.ToString(CultureInfo.InvariantCulture));
            }
        }

        writer.WriteEndObject();
        if (ev.PrivateMetadataJson is { } privateMetadata)
        {
            writer.WritePropertyName("privateMetadata");
            writer.WriteRawValue(privateMetadata, skipInputValidation: true);
        }
        else
        {
            writer.WriteNull("privateMetadata");
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static byte[] LoadPage()
    {
        using var stream = typeof(EventsApi).Assembly.GetManifestResourceStream("TelemetryHosting.DevGateway.EventsPage.html")
            ?? throw new InvalidOperationException("The events page resource is missing from the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
