namespace TelemetryHosting;

/// <summary>
/// The marketing attribution of an event: the pages and referrers that brought the user, as a web client tracks them.
/// Sent as the event's <c>marketing_tracking</c>.
/// </summary>
/// <remarks>
/// Unset and empty properties are left out of the event, and an instance with none set leaves the event without
/// marketing tracking. Each property holds at most 2,048 UTF-16 characters (the URL length browsers reliably support)
/// of valid UTF-16 (no lone surrogate); <see cref="ITelemetryRecorder.Record"/> refuses an event that breaks this with
/// an <see cref="ArgumentException"/> naming the property.
/// </remarks>
public sealed class TelemetryMarketingTracking
{
    /// <summary>Gets the URL of the page the event happened on (<c>url</c>). The default value is <see langword="null"/>.</summary>
    public string? Url { get; init; }

    /// <summary>
    /// Gets the URL of the first page the user visited, ever, on the site (<c>first_source_url</c>, first-touch
    /// attribution). The default value is <see langword="null"/>.
    /// </summary>
    public string? FirstSourceUrl { get; init; }

    /// <summary>
    /// Gets the id of the cohort the user belongs to, for example the date of the first visit (<c>cohort_id</c>).
    /// The default value is <see langword="null"/>.
    /// </summary>
    public string? CohortId { get; init; }

    /// <summary>
    /// Gets the referrer of the page the event happened on (<c>referrer</c>). The default value is <see langword="null"/>.
    /// </summary>
    public string? Referrer { get; init; }

    /// <summary>
    /// Gets the URL of the page through which the user most recently came to the site (<c>last_source_url</c>,
    /// last-touch attribution). The default value is <see langword="null"/>.
    /// </summary>
    public string? LastSourceUrl { get; init; }

    /// <summary>
    /// Gets the id of the device's browsing session (<c>device_session_id</c>). The default value is
    /// <see langword="null"/>.
    /// </summary>
    public string? DeviceSessionId { get; init; }

    /// <summary>
    /// Gets the referrer of the first page of the current session (<c>session_referrer</c>). The default value is
    /// <see langword="null"/>.
    /// </summary>
    public string? SessionReferrer { get; init; }

    /// <summary>
    /// Gets the URL of the first page of the current session (<c>session_first_url</c>). The default value is
    /// <see langword="null"/>.
    /// </summary>
    public string? SessionFirstUrl { get; init; }
}
