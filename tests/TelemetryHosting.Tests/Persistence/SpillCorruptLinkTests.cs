using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>Review findings (review3) on the spill directory; each test fails on the reviewed commit.</summary>
public sealed class SpillCorruptLinkTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new("telemetryhosting-review3");
    private readonly TemporaryDirectory _victim = new("telemetryhosting-review3-victim");

    public void Dispose()
    {
        _temporary.Dispose();
        _victim.Dispose();
    }

    /// <summary>
    /// The start-up Prune of corrupt/ runs before corrupt/ is ever checked (only Quarantine calls
    /// CreateOwnerOnlyDirectory on it): a corrupt/ that is a symbolic link is followed and files in its target older
    /// than MaxAge are deleted.
    /// </summary>
    [Fact]
    public async Task Start_CorruptIsASymbolicLink_FilesOfItsTargetAreNotDeleted()
    {
        Directory.CreateDirectory(_temporary.Path);
        Directory.CreateDirectory(_victim.Path);
        var precious = Path.Combine(_victim.Path, "precious.db");
        File.WriteAllText(precious, "not telemetry");
        File.SetLastWriteTimeUtc(precious, DateTime.UtcNow - TimeSpan.FromDays(30));
        Directory.CreateSymbolicLink(Path.Combine(_temporary.Path, "corrupt"), _victim.Path);

        try
        {
            await using var harness = await RecorderHarness.StartAsync(options => options.Persistence.Directory = _temporary.Path);
        }
        catch (Exception)
        {
            // Refusing to start is an acceptable answer too.
        }

        Assert.True(File.Exists(precious), "a file outside the spill directory was deleted through the corrupt/ link");
    }
}
