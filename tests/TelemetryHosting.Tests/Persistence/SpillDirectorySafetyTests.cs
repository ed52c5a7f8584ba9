using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>The spill directory holds private metadata: only a real directory of this user is used, and no file is trusted blindly.</summary>
public sealed class SpillDirectorySafetyTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new("telemetryhosting-spill-safety");

    private string SpillDirectory => _temporary.Path;

    public void Dispose()
    {
        if (File.Exists(SpillDirectory) || Directory.Exists(SpillDirectory) && new DirectoryInfo(SpillDirectory).LinkTarget is not null)
        {
            File.Delete(SpillDirectory);
        }

        _temporary.Dispose();
        if (Directory.Exists(SpillDirectory + "-target"))
        {
            Directory.Delete(SpillDirectory + "-target", recursive: true);
        }
    }

    [Fact]
    public async Task Start_DirectoryIsASymbolicLink_FailsNamingTheLink()
    {
        Directory.CreateDirectory(SpillDirectory + "-target");
        Directory.CreateSymbolicLink(SpillDirectory, SpillDirectory + "-target");

        var exception = await StartFailureAsync(SpillDirectory);

        Assert.Contains("symbolic link", exception.ToString(), StringComparison.Ordinal);
        Assert.Contains(SpillDirectory, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DirectoryOwnedByAnotherUser_FailsNamingTheOwner()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The owner is checked on Linux only.
        }

        Directory.CreateDirectory(SpillDirectory);
        if (Environment.UserName == "root")
        {
            // Root can give the directory away; anyone else tries a directory root owns.
            using var chown = System.Diagnostics.Process.Start("chown", ["65534:65534", SpillDirectory]);
            await chown.WaitForExitAsync();
            Assert.Equal(0, chown.ExitCode);
        }

        var directory = Environment.UserName == "root" ? SpillDirectory : "/";
        var exception = await StartFailureAsync(directory);

        Assert.Contains("owned by", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_SegmentLargerThanMaxBytes_IsMovedAsideUnreadAndCountedCorrupt()
    {
        Directory.CreateDirectory(SpillDirectory);
        var huge = Path.Combine(SpillDirectory, "000000000000001-huge.tseg");
        await using (var file = File.Create(huge))
        {
            file.Write("THSEG002"u8);
            file.SetLength(4_096);
        }

        await using var harness = await RecorderHarness.StartAsync(options => { Spill(options); options.Persistence.MaxBytes = 2_048; }, startHost: false);
        using var corrupt = new MetricCollector<long>(harness.Host.Services.GetRequiredService<IMeterFactory>(), TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.SpillFilesCorrupt);
        await harness.Host.StartAsync();
        // The file is moved first, then counted and logged: waited for as a whole.
        await Eventually.HoldsAsync(
            () => !File.Exists(huge) && harness.LibraryLogs().Any(log => log.Id.Id == 11),
            "the oversized file is moved aside and logged");

        Assert.Single(Directory.GetFiles(Path.Combine(SpillDirectory, "corrupt")));
        Assert.Equal(1, corrupt.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 11 && log.Message.Contains("2048", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replay_CorruptFileOlderThanMaxAge_IsDeleted()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var corruptDirectory = Path.Combine(SpillDirectory, "corrupt");
        Directory.CreateDirectory(corruptDirectory);
        var old = Path.Combine(corruptDirectory, "000000000000001-old.tseg");
        var recent = Path.Combine(corruptDirectory, "000000000000002-recent.tseg");
        File.WriteAllBytes(old, "THSEG002 old"u8.ToArray());
        File.WriteAllBytes(recent, "THSEG002 recent"u8.ToArray());
        File.SetLastWriteTimeUtc(old, time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(8));
        File.SetLastWriteTimeUtc(recent, time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(1));

        await using var harness = await RecorderHarness.StartAsync(Spill, timeProvider: time, gateway: gateway);
        Assert.True(harness.Recorder.Record("search", "view"));
        await harness.Recorder.FlushWithinLimitAsync();

        Assert.False(File.Exists(old), "a corrupt file older than MaxAge is deleted");
        Assert.True(File.Exists(recent));
    }

    /// <summary>Starts a host spilling to <paramref name="directory"/>, which must fail.</summary>
    private static async Task<Exception> StartFailureAsync(string directory)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTelemetryGateway(options =>
        {
            options.ServiceId = RecorderHarness.ServiceId;
            options.Endpoint = new Uri("http://127.0.0.1:1");
            options.Persistence.Directory = directory;
        });
        using var host = builder.Build();
        return await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
    }

    private void Spill(TelemetryGatewayOptions options)
    {
        options.Persistence.Directory = SpillDirectory;
        options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
    }
}
