using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway.Tests.Diagnostics;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData(@"back\slash", @"back\slash")]
    [InlineData("nul\0del\u007fnel\u0085", @"nul\u0000del\u007Fnel\u0085")]
    [InlineData("ls\u2028ps\u2029", @"ls\u2028ps\u2029")]
    [InlineData("rlo\u202eisolate\u2066", @"rlo\u202Eisolate\u2066")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Escape_ControlAndLayoutCharacters_AreWrittenAsEscapes(string? text, string expected) =>
        Assert.Equal(expected, LogText.Escape(text));

    [Fact]
    public void Escape_PlainText_IsReturnedAsIs()
    {
        const string text = "testFeature.view é 日本 🙂 sams_cid_devgateway";
        Assert.Same(text, LogText.Escape(text));
    }
}
