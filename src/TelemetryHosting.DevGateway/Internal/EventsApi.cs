using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// The web side for people and scripts: the events page at <c>/</c> (with its scripts and style sheet), <c>/api/events</c>
/// and <c>/api/events/stats</c>.
/// </summary>
internal static class EventsApi
{
    /// <summary>The paths of the page's scripts and style sheet, embedded in the assembly like the page.</summary>
    public const string ScriptPath = "/events-page.js";
    public const string GlanceScriptPath = "/events-page-glance.js";
    public const string StylePath = "/events-page.css";

    /// <summary>The longest window <c>/api/events/stats?seconds=N</c> answers for.</summary>
    public const int MaxStatsSeconds = EventStatistics.Seconds;

    // /api/events is written to the response as it goes: its events may add up to gigabytes (10,000 kept, each up to
    // 10,000,000 JSON bytes), which must not be built in memory first.
    private const int FlushThresholdBytes = 64 * 1024;

    // The page shows what senders put in events: no inline script, nothing from elsewhere, no framing.
    private const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly Lazy<byte[]> Page = new(() => Load("EventsPage.html"));
    private static readonly Lazy<byte[]> Script = new(() => Load("EventsPage.js"));
    private static readonly Lazy<byte[]> GlanceScript = new(() => Load("EventsPageGlance.js"));
    private static readonly Lazy<byte[]> Style = new(() => Load("EventsPage.css"));

    /// <summary><c>GET /</c>: the page, plain HTML whose script polls <c>/api/events</c> and <c>/api/events/stats</c> every second.</summary>
    public static Task WritePageAsync(HttpContext context)
    {
        context.Response.Headers.ContentSecurityPolicy = PagePolicy;
        return WriteResourceAsync(context, "text/html; charset=utf-8", Page.Value);
    }

    public static Task WriteScriptAsync(HttpContext context) => WriteResourceAsync(context, "text/javascript; charset=utf-8", Script.Value);

    public static Task WriteGlanceScriptAsync(HttpContext context) => WriteResourceAsync(context, "text/javascript; charset=utf-8", GlanceScript.Value);

    public static Task WriteStyleAsync(HttpContext context) => WriteResourceAsync(context, "text/css; charset=utf-8", Style.Value);

    /// <summary><c>GET /api/events[?limit=N]</c>: counts, the kept events and the kept refused events, newest first.</summary>
    public static async Task WriteEventsAsync(HttpContext context, ReceivedEventStore store)
    {
        if (!TryReadNumber(context, "limit", int.MaxValue, out var limit))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // Counts and lists from one moment: read one by one, a concurrent event or clear could make them disagree.
        var contents = store.Contents();
        var (events, refused) = (contents.Events, contents.Refused);

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("count", contents.Count);
        writer.WriteNumber("distinctCount", contents.DistinctCount);
        writer.WriteNumber("duplicateCount", contents.DuplicateCount);
        writer.WriteNumber("invalidCount", contents.InvalidCount);
        writer.WriteNumber("oversizeCount", contents.OversizeCount);
        writer.WriteNumber("failedCount", contents.FailedCount);
        writer.WriteNumber("storedCount", events.Count);
        writer.WriteNumber("refusedStoredCount", refused.Length);
        writer.WriteStartArray("events");
        foreach (var ev in events.Take(limit))
        {
            EventJson.Write(writer, ev);
            await FlushIfFullAsync(writer, context.RequestAborted).ConfigureAwait(false);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("refused");
        foreach (var ev in refused.Take(limit))
        {
            EventJson.Write(writer, ev);
            await FlushIfFullAsync(writer, context.RequestAborted).ConfigureAwait(false);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/events/stats[?seconds=N]</c>: per-second counts of the last N seconds (default 60, at most
    /// <see cref="MaxStatsSeconds"/>) by the gateway's clock, oldest first, and counts per feature and action.
    /// </summary>
    public static async Task WriteStatsAsync(HttpContext context, ReceivedEventStore store, TimeProvider timeProvider)
    {
        if (!TryReadNumber(context, "seconds", 60, out var seconds) || seconds is < 1 or > MaxStatsSeconds)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var now = timeProvider.GetUtcNow();
        var (perSecond, perName) = store.Statistics(now, seconds);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("now", now);
        writer.WriteStartArray("perSecond");
        foreach (var (second, counts) in perSecond)
        {
            writer.WriteStartObject();
            writer.WriteString("second", DateTimeOffset.FromUnixTimeSeconds(second));
            WriteCounts(writer, counts);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("byFeature");
        foreach (var ((feature, action), counts) in perName
            .OrderByDescending(n => n.Value.Accepted + n.Value.Duplicates + n.Value.Refused)
            .ThenBy(n => n.Key.Feature, StringComparer.Ordinal)
            .ThenBy(n => n.Key.Action, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("feature", feature);
            writer.WriteString("action", action);
            WriteCounts(writer, counts);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /api/events</c>: forgets every event, refused event and count.</summary>
    public static void Clear(HttpContext context, ReceivedEventStore store)
    {
        store.Clear();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static ValueTask FlushIfFullAsync(Utf8JsonWriter writer, CancellationToken cancellationToken) =>
        writer.BytesPending > FlushThresholdBytes ? new ValueTask(writer.FlushAsync(cancellationToken)) : ValueTask.CompletedTask;

    private static void WriteCounts(Utf8JsonWriter writer, EventCounts counts)
    {
        writer.WriteNumber("accepted", counts.Accepted);
        writer.WriteNumber("duplicates", counts.Duplicates);
        writer.WriteNumber("refused", counts.Refused);
        writer.WriteNumber("invalid", counts.Invalid);
        writer.WriteNumber("failed", counts.Failed);
        writer.WriteNumber("oversize", counts.Oversize);
    }

    private static bool TryReadNumber(HttpContext context, string name, int absent, out int value)
    {
        value = absent;
        return !context.Request.Query.TryGetValue(name, out var text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 0);
    }

    private static async Task WriteResourceAsync(HttpContext context, string contentType, byte[] content)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.Body.WriteAsync(content, context.RequestAborted).ConfigureAwait(false);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(EventsApi).Assembly.GetManifestResourceStream("TelemetryHosting.DevGateway." + name)
            ?? throw new InvalidOperationException($"The events page resource {name} is missing from the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
