using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// A log value a peer chose (a form field, an event's id, a request id, a status detail that quotes one). Every such
/// parameter of <see cref="Log"/> has this type, so whatever is passed is escaped by <see cref="LogText.Escape"/> when the
/// line is written.
/// </summary>
internal readonly struct PeerText(string? value)
{
    public static implicit operator PeerText(string? value) => new(value);

    public override string ToString() => LogText.Escape(value);
}
