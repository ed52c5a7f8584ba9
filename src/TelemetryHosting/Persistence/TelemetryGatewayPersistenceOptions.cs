using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using TelemetryHosting.Shared;

namespace TelemetryHosting;

/// <summary>
/// Durable spill: unsent events written to disk during an outage, when the queue runs high, and at shutdown,
/// then replayed (keeping their ids) once the gateway is reachable again. Bound from
/// <c>TelemetryGateway:Persistence</c>.
/// </summary>
public sealed class TelemetryGatewayPersistenceOptions
{
    /// <summary>
    /// Gets or sets the directory for spilled events; it is created with owner-only permissions (mode 0700 on Unix,
    /// an ACL granting only the current user on Windows). Use a directory of this service alone: a symbolic link, on
    /// Linux a directory owned by another user, or on Unix a directory above it that another user owns (Linux) or that
    /// is writable by its group or others without the sticky bit, fails the start with an exception naming it. At run
    /// time nothing is written to it or read from it once it changed (replaced, a link, another owner or mode), and only
    /// regular files of this user are read from it, never through a link. Each file carries a
    /// SHA-256 checksum, which detects corruption (torn writes, bad disks) but proves nothing about who wrote the file:
    /// anyone able to write to the directory can write events that will be replayed. The default value is
    /// <see langword="null"/>: persistence is off and events still queued when the host stops are counted as dropped
    /// with reason <c>shutdown</c>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Gets or sets how long exports must have been failing before every event in memory (the queue's, and those of the
    /// export being retried) is written to disk.
    /// The default value is 30 seconds.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SpillAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the fill ratio of the queue above which queued events are spilled to disk rather than refused.
    /// The default value is 0.8.
    /// </summary>
    [Range(0.1, 1.0)]
    public double HighWaterMark { get; set; } = 0.8;

    /// <summary>
    /// Gets or sets the most bytes of spilled events kept on disk; events that do not fit stay in memory, within
    /// <c>QueueCapacity</c>, and at stop are dropped with reason <c>disk_full</c>. A segment file larger than this is not read: it is moved to <c>corrupt/</c> and counted as
    /// corrupt. The default value is 256 MiB (268,435,456).
    /// </summary>
    [Range(1_024L, long.MaxValue)]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Gets or sets how old spilled events may get; older ones are dropped with reason <c>expired</c> instead of
    /// being replayed. Files moved to <c>corrupt/</c> are deleted once this old. The default value is 7 days.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);
}
