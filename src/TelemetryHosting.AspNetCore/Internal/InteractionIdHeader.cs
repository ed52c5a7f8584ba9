using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads the interaction id of a request, for enrichment and for client events alike. The header comes from the
/// client: only a short value of safe characters is taken, anything else is ignored and counted, never copied.
/// </summary>
internal sealed class InteractionIdHeader
{
    /// <summary>The longest interaction id taken; Sourcegraph's are UUIDs or similar, far shorter.</summary>
    public const int MaxLength = 128;

    public const string TooLongReason = "too_long";
    public const string InvalidCharacterReason = "invalid_character";

    private static readonly SearchValues<char> Safe =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    private static readonly object ItemKey = new();

    private readonly string _header;
    private readonly TelemetryHostingAspNetCoreMetrics _metrics;

    public InteractionIdHeader(IOptions<TelemetryAspNetCoreOptions> options, TelemetryHostingAspNetCoreMetrics metrics)
    {
        _header = options.Value.InteractionIdHeader;
        _metrics = metrics;
    }

    /// <summary>
    /// Returns the first value of the header when it is at most <see cref="MaxLength"/> letters, digits and <c>-_.:</c>;
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
        if (value.Length > MaxLength)
        {
            _metrics.InteractionIdIgnored(TooLongReason);
            return null;
        }

        if (value.AsSpan().ContainsAnyExcept(Safe))
        {
            _metrics.InteractionIdIgnored(InvalidCharacterReason);
            return null;
        }

        return value;
    }
}
