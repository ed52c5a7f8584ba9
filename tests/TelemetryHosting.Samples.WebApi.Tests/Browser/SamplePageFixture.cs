using TelemetryHosting.DevGateway;
using TelemetryHosting.TestSupport;

namespace TelemetryHosting.Samples.WebApi.Tests.Browser;

/// <summary>
/// What the sample page's browser tests share: a development gateway, one headless Chromium, a bundle of the real
/// <c>@sourcegraph/telemetry</c> built with esbuild, and the sample on Kestrel serving that bundle to its page.
/// </summary>
public sealed class SamplePageFixture : IAsyncLifetime
{
    private DirectoryInfo _directory = null!;
    private KestrelSample? _sample;
    private HeadlessChromium? _browser;

    public DevelopmentGateway Gateway { get; private set; } = null!;

    internal HeadlessChromium Browser => _browser!;

    internal KestrelSample Sample => _sample!;

    /// <summary>Gets the sample's settings in these tests: the real library's bundle served, private metadata and marketing tracking accepted.</summary>
    internal Dictionary<string, string> Settings { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("sample-page-tests-");
        Gateway = await DevelopmentGateway.StartAsync();
        Settings = new()
        {
            ["Sample:SourcegraphTelemetryBundle"] = await SourcegraphTelemetryBundle.BuildAsync(_directory.FullName),
            ["TelemetryClientEvents:AcceptPrivateMetadata"] = "true",
            ["TelemetryClientEvents:AcceptMarketingTracking"] = "true",
        };
        _sample = KestrelSample.Start(Gateway, Settings);
        _browser = await HeadlessChromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        if (_sample is not null)
        {
            await _sample.DisposeAsync();
        }

        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }
}
