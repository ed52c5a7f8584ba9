using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Tests.Diagnostics;

public sealed class PeerTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("esc\u001b[2J", @"esc\u001B[2J")]
    [InlineData("nul\u0000del\u007fnel\u0085csi\u009b", @"nul\u0000del\u007Fnel\u0085csi\u009B")]
    [InlineData("ls\u2028ps\u2029", @"ls\u2028ps\u2029")]
    [InlineData("rlo\u202Eexe.txt\u2066\u2069\u200E\u200F\u061C", @"rlo\u202Eexe.txt\u2066\u2069\u200E\u200F\u061C")]
    [InlineData("emoji \U0001F600 and é stay", "emoji \U0001F600 and é stay")]
    [InlineData(@"already \r\n escaped", @"already \r\n escaped")]
    public void Escape_ControlAndBidiCharacters_AreWrittenAsEscapes(string text, string expected)
    {
        Assert.Equal(expected, LogText.Escape(text));
        Assert.Equal(expected, LogText.Escape(LogText.Escape(text)));
    }

    [Fact]
    public void Escape_LongText_IsClippedWithoutSplittingASurrogatePair()
    {
        var text = new string('a', 9) + "\U0001F600" + new string('b', 100);

        Assert.Equal(new string('a', 9) + "\U0001F600...", LogText.Escape(text, maxLength: 10));
        Assert.Equal(new string('x', 500) + "...", LogText.Escape(new string('x', 10_000)));
        Assert.Equal(string.Empty, LogText.Escape(null));
    }
}
