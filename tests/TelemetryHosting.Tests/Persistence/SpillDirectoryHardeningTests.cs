using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>
/// Issue 20, point 3: the spill directory's parents, its files and the directory itself after start. The probes of the
/// review run here as tests: a parent writable by others, a FIFO or a link in the directory, another user's file, and a
/// directory swapped after start (to receive the service's events, or to make it deliver a forged one). Each failed
/// before its fix. Unix only: on Windows the directory gets an owner-only ACL, tested elsewhere by hand.
/// </summary>
public sealed class SpillDirectoryHardeningTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly TemporaryDirectory _temporary = new("telemetryhosting-spill-hardening");

    private string Root => _temporary.Path;

    private string SpillDirectory => Path.Combine(Root, "spill");

    private static bool IsRoot => Environment.UserName == "root";

    public void Dispose() => _temporary.Dispose();

    [Theory]
    [InlineData("777")]
    [InlineData("770")]
    [InlineData("757")]
    public async Task Start_ParentWritableByOthersWithoutStickyBit_FailsNamingTheParent(string octalMode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        CreateDirectory(Root, octalMode);

        var exception = await StartFailureAsync(SpillDirectory);

        Assert.Contains("writable by", exception.ToString(), StringComparison.Ordinal);
        Assert.Contains($"'{Root}'", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_GrandparentWritableByOthersWithoutStickyBit_Fails()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        CreateDirectory(Root, "777");
        CreateDirectory(Path.Combine(Root, "app"), "755");

        var exception = await StartFailureAsync(Path.Combine(Root, "app", "spill"));

        Assert.Contains($"'{Root}'", exception.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1777")]
    [InlineData("755")]
    public async Task Start_ParentWithStickyBitOrWritableByItsOwnerOnly_Starts(string octalMode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        CreateDirectory(Root, octalMode);

        await using var harness = await RecorderHarness.StartAsync(Persistent);

        Assert.True(Directory.Exists(SpillDirectory));
    }

    [Fact]
    public async Task Start_ParentOwnedByAnotherUser_FailsNamingTheOwner()
    {
        if (!OperatingSystem.IsLinux() || !IsRoot)
        {
            return; // Only root can make a directory of another user here.
        }

        CreateDirectory(Root, "755");
        await ChangeOwnerAsync(Root);

        var exception = await StartFailureAsync(SpillDirectory);

        Assert.Contains("owned by user id 65534", exception.ToString(), StringComparison.Ordinal);
        Assert.Contains($"'{Root}'", exception.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("000000000000001-fifo.tseg")]
    [InlineData("000000000000001-fifo.tseg.tmp")]
    public async Task Start_FifoNamedLikeASegment_StartsWithoutReadingIt(string name)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        CreateDirectory(Root, "755");
        CreateDirectory(SpillDirectory, "700");
        var fifo = Path.Combine(SpillDirectory, name);
        await RunAsync("mkfifo", fifo);

        await using var harness = await RecorderHarness.StartAsync(Persistent, startHost: false);
        // Run aside: the worker is built, and its directory read, within StartAsync's synchronous part.
        var starting = Task.Run(() => harness.Host.StartAsync());
        var started = await Task.WhenAny(starting, Task.Delay(Bound)) == starting;
        for (var i = 0; i < 20 && !starting.IsCompleted; i++)
        {
            await ReleaseFifoAsync(fifo);
        }

        Assert.True(started, $"The start did not end within {Bound.TotalSeconds} s: it opened the FIFO '{name}' and waits for a writer.");
        await starting;
        Assert.True(harness.Recorder.Record("search", "view"));
        var flushed = await harness.Recorder.FlushWithinLimitAsync();
        Assert.Equal(1, flushed.Delivered);
        Assert.False(File.Exists(fifo), "the FIFO is moved aside or deleted, so that no pass reads it");
    }

    [Fact]
    public async Task Replay_SymbolicLinkToASegment_IsNotFollowed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        var outside = Path.Combine(Root, "outside");
        await RecorderHarness.LeaveOnDiskAsync(gateway, options => Persistent(options, outside), 5, "linked");
        var target = Directory.GetFiles(outside, "*.tseg").Single();
        CreateDirectory(SpillDirectory, "700");
        var link = Path.Combine(SpillDirectory, Path.GetFileName(target));
        File.CreateSymbolicLink(link, target);

        await using var harness = await RecorderHarness.StartAsync(Persistent, gateway: gateway);
        Assert.True(harness.Recorder.Record("search", "view"));
        await harness.Recorder.FlushWithinLimitAsync();
        await Eventually.HoldsWithinAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 11) || Received(gateway, "linked") > 0, Bound);

        Assert.Equal(0, Received(gateway, "linked"));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 11 && log.Message.Contains("symbolic link", StringComparison.Ordinal));
        Assert.True(File.Exists(target), "the link's target is left alone");
        Assert.False(File.Exists(link), "the link is moved aside");
    }

    [Fact]
    public async Task Replay_SegmentOwnedByAnotherUser_IsNotReplayed()
    {
        if (!OperatingSystem.IsLinux() || !IsRoot)
        {
            return; // Only root can make a file of another user here.
        }

        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        await RecorderHarness.LeaveOnDiskAsync(gateway, Persistent, 5, "planted");
        await ChangeOwnerAsync(Directory.GetFiles(SpillDirectory, "*.tseg").Single());

        await using var harness = await RecorderHarness.StartAsync(Persistent, gateway: gateway);
        Assert.True(harness.Recorder.Record("search", "view"));
        await harness.Recorder.FlushWithinLimitAsync();
        await Eventually.HoldsWithinAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 11) || Received(gateway, "planted") > 0, Bound);

        Assert.Equal(0, Received(gateway, "planted"));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 11 && log.Message.Contains("owned by user id 65534", StringComparison.Ordinal));
    }

    /// <summary>
    /// The review's first probe: the directory is renamed away after start and another put in its place. The events of
    /// the outage must not go into it (they hold private metadata): they stay in memory, and are delivered once the
    /// gateway answers again.
    /// </summary>
    [Fact]
    public async Task Spill_DirectorySwappedAfterStart_WritesNothingIntoTheNewOneAndKeepsTheEventsInMemory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Persistent(options);
            options.MaxBatchSize = 10;
        });
        Directory.Move(SpillDirectory, SpillDirectory + "-moved");
        CreateDirectory(SpillDirectory, "700");
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        var parameters = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["secret"] = "private" } };
        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view", parameters));
        }

        await Eventually.HoldsWithinAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 17) || Directory.GetFiles(SpillDirectory).Length > 0, Bound);

        Assert.Empty(Directory.GetFiles(SpillDirectory, "*", SearchOption.AllDirectories));
        Assert.Equal(0, harness.Counts().Persisted);
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 17 && log.Message.Contains("spill directory", StringComparison.Ordinal));

        harness.Gateway.Faults.Reset();
        Assert.True(
            await Eventually.HoldsWithinAsync(() => harness.Gateway.Events.DistinctCount == 20, Bound),
            $"{harness.Gateway.Events.DistinctCount} of 20 events delivered from memory once the gateway answered ({harness.Counts()}).");
    }

    /// <summary>
    /// The review's second probe: while a segment is being replayed, the directory is swapped for one holding a segment
    /// of someone else's events, which the next replay pass would deliver with the service's own token.
    /// </summary>
    [Fact]
    public async Task Replay_DirectorySwappedAfterStart_DoesNotDeliverTheOtherDirectorysSegments()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        var forged = Path.Combine(Root, "forged");
        await RecorderHarness.LeaveOnDiskAsync(gateway, Persistent, 5, "spilled");
        await RecorderHarness.LeaveOnDiskAsync(gateway, options => Persistent(options, forged), 5, "forged");
        gateway.Faults.ResponseDelay = TimeSpan.FromSeconds(1);

        await using var harness = await RecorderHarness.StartAsync(Persistent, gateway: gateway);
        await Eventually.HoldsAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 14), "the spilled segment is being replayed", timeout: Bound);
        Directory.Move(SpillDirectory, SpillDirectory + "-moved");
        Directory.Move(forged, SpillDirectory);
        gateway.Faults.ResponseDelay = TimeSpan.Zero;

        await Eventually.HoldsWithinAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 22) || Received(gateway, "forged") > 0, Bound);

        Assert.Equal(0, Received(gateway, "forged"));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 22 && log.Message.Contains("spill directory", StringComparison.Ordinal));
        Assert.Equal(5, Received(gateway, "spilled"));
    }

    private static int Received(DevelopmentGateway gateway, string feature) =>
        gateway.Events.Snapshot().Select(received => Telemetrygateway.V1.Event.Parser.ParseFrom(received.EventBytes.Span))
            .Where(e => e.Feature == feature).Select(e => e.Id).Distinct().Count();

    [UnsupportedOSPlatform("windows")]
    private static void CreateDirectory(string path, string octalMode)
    {
        Directory.CreateDirectory(path);

        // Set explicitly: the process's umask applies to a mode given at creation.
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octalMode, 8));
    }

    private static Task ChangeOwnerAsync(string path) => RunAsync("chown", "65534:65534", path);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Opens the FIFO for writing once, so that a reader blocked on it (a failing run) goes on.</summary>
    private static async Task ReleaseFifoAsync(string fifo)
    {
        var writing = Task.Run(() =>
        {
            using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        });
        await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(1)));
    }

    /// <summary>Starts a host spilling to <paramref name="directory"/>, which must fail.</summary>
    private static async Task<Exception> StartFailureAsync(string directory)
    {
        // Not the harness: a host whose start failed cannot be stopped.
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTelemetryGateway(options =>
        {
            options.ServiceId = RecorderHarness.ServiceId;
            options.Endpoint = new Uri("http://127.0.0.1:1");
            Persistent(options, directory);
        });
        using var host = builder.Build();
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.False(Directory.Exists(directory) && Directory.GetFiles(directory).Length > 0, "nothing is written to a refused directory");
        return exception;
    }

    private static void Persistent(TelemetryGatewayOptions options, string directory)
    {
        options.Persistence.Directory = directory;
        options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
    }

    private void Persistent(TelemetryGatewayOptions options) => Persistent(options, SpillDirectory);
}
