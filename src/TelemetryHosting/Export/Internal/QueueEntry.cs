namespace TelemetryHosting.Export.Internal;

/// <summary>An item of the delivery queue: a recorded event or a flush request.</summary>
internal abstract class QueueEntry
{
}
