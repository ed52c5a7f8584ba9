namespace TelemetryHosting.DevGateway.Internal;

/// <summary>What became of one received event, as the page and <c>/api/events</c> show it.</summary>
internal enum EventStatus
{
    /// <summary>Published, with an id not seen before.</summary>
    Accepted,

    /// <summary>Published, with an id accepted before (a retry).</summary>
    Duplicate,

    /// <summary>Failed the gateway's validation or has no JSON form; the reason says why.</summary>
    Invalid,

    /// <summary>Failed by fault injection.</summary>
    Failed,

    /// <summary>Dropped for being 10,000,000 JSON bytes or more, yet reported as succeeded.</summary>
    Oversize,
}
