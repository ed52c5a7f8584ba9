using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>A client's request body, <c>{ "events": [ ... ] }</c>; each event is kept as JSON and read on its own.</summary>
internal sealed class ClientEventEnvelope
{
    private JsonElement[]? _events;

    public JsonElement[]? Events
    {
        get => _events;
        set
        {
            // The envelope allows duplicate properties so that an event's own duplicates reject only that event.
            EventsCount++;
            _events = value;
        }
    }

    /// <summary>Gets how many times the body set <c>"events"</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int EventsCount { get; private set; }
}
