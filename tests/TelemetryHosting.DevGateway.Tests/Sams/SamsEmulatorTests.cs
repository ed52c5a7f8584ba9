using Microsoft.Extensions.Time.Testing;

namespace TelemetryHosting.DevGateway.Tests.Sams;

/// <summary>The SAMS emulator's memory of issued tokens: expired ones are forgotten, live ones are capped.</summary>
public sealed class SamsEmulatorTests
{
    [Fact]
    public void Issue_AfterEarlierTokensExpired_ForgetsThem()
    {
        var time = new FakeTimeProvider();
        var sams = NewSams(time);
        var expired = Enumerable.Range(0, 100).Select(_ => sams.IssueToken(lifetime: TimeSpan.FromMinutes(1))).ToList();
        var live = sams.IssueToken(lifetime: TimeSpan.FromHours(1));

        time.Advance(TimeSpan.FromMinutes(2));
        var fresh = sams.IssueToken();

        Assert.Equal(2, sams.StoredTokenCount);
        Assert.All(expired, token => Assert.False(sams.IsActive(token)));
        Assert.True(sams.IsActive(live));
        Assert.True(sams.IsActive(fresh));
    }

    [Fact]
    public void Issue_AtTheCap_ForgetsTheOldestLiveToken()
    {
        var sams = NewSams(new FakeTimeProvider());
        var tokens = Enumerable.Range(0, SamsEmulator.MaxStoredTokens + 5).Select(_ => sams.IssueToken()).ToList();

        Assert.Equal(SamsEmulator.MaxStoredTokens, sams.StoredTokenCount);
        Assert.All(tokens.Take(5), token => Assert.False(sams.IsActive(token)));
        Assert.True(sams.IsActive(tokens[5]));
        Assert.True(sams.IsActive(tokens[^1]));
        Assert.Equal(SamsEmulator.MaxStoredTokens + 5, sams.IssuedTokenCount);
    }

    [Fact]
    public void RevokeAndRevokeAll_ForgetTokens()
    {
        var sams = NewSams(new FakeTimeProvider());
        var first = sams.IssueToken();
        var second = sams.IssueToken();

        Assert.True(sams.Revoke(first));
        Assert.False(sams.Revoke(first));
        Assert.Equal(1, sams.StoredTokenCount);
        sams.RevokeAll();

        Assert.Equal(0, sams.StoredTokenCount);
        Assert.False(sams.IsActive(second));
        Assert.True(sams.IsActive(sams.IssueToken()));
    }

    private static SamsEmulator NewSams(TimeProvider time) =>
        new([], TimeSpan.FromHours(1), acceptBasicAuth: true, outage: false, time);
}
