using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads the interaction id of a request, for enrichment and for client events alike. The header comes from the
/// client: only a short value of safe characters is taken, anything else is ignored and counted, never copied.
/// </summary>
internal sealed class InteractionIdHeader
{
    private static readonly object ItemKey = new();

    private readonly string _header;
    private readonly TelemetryHostingAspNetCoreMetrics _metrics;

    public InteractionIdHeader(IOptions<TelemetryAspNetCoreOptions> options, TelemetryHostingAspNetCoreMetrics metrics)
    {
        _header = options.Value.InteractionIdHeader;
        _metrics = metrics;
    }

    /// <summary>
    /// Returns the first value of the header when it is at most <see cref="InteractionIdRule.MaxLength"/> letters, digits and <c>-_.:</c>;
    /// <see langword="null"/> when it is absent, blank, or not such a value (then counted with its reason).
    /// </summary>
    public string? Find(HttpRequest request)
    {
        // Read and counted once a request, however many events the request records (enrichment asks for every one).
        var items = request.HttpContext.Items;
        if (items.TryGetValue(ItemKey, out var found))
        {
            return (string?)found;
        }

        var value = Read(request);
        items[ItemKey] = value;
        return value;
    }

    private string? Read(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(_header, out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return null;
        }

        var value = values[0]!;
        if (InteractionIdRule.Check(value) is { } reason)
        {
            _metrics.InteractionIdIgnored(reason);
            return null;
        }

        return value;
    }
}
