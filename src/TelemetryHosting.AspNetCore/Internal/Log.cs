using Microsoft.Extensions.Logging;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>The assembly's log messages. Never logs what clients sent: names, metadata or private metadata.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Client event request refused with {StatusCode}: {Reason}")]
    public static partial void ClientEventRequestRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Client events: {Accepted} recorded, {Dropped} dropped by the recorder, {Rejected} rejected")]
    public static partial void ClientEventsRecorded(ILogger logger, int accepted, int dropped, int rejected);
}
