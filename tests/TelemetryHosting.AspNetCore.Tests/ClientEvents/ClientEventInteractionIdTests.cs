using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>The interaction id header is copied into events only when it is short and made of safe characters.</summary>
public sealed class ClientEventInteractionIdTests
{
    private const string Header = "X-Sourcegraph-Interaction-ID";

    [Theory]
    [InlineData("interaction-7")]
    [InlineData("01JZ8K:trace_42.a-b")]
    public async Task Post_SafeInteractionId_IsCopied(string value)
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: (Header, value));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(value, Assert.Single(app.Recorder.Events).InteractionId);
    }

    [Fact]
    public async Task Post_InteractionIdOf128Characters_IsCopied()
    {
        await using var app = await ClientEventsApp.StartAsync();
        var value = new string('a', 128);

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: (Header, value));

        Assert.Equal(value, Assert.Single(app.Recorder.Events).InteractionId);
    }

    [Theory]
    [InlineData(129, "too_long")]
    [InlineData(8_000, "too_long")]
    public async Task Post_InteractionIdTooLong_IsIgnoredAndCounted(int length, string reason)
    {
        await using var app = await ClientEventsApp.StartAsync();
        using var ignored = Collect(app);

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(3), headers: (Header, new string('a', length)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.All(app.Recorder.Events, recorded => Assert.Null(recorded.InteractionId));
        Assert.Equal(3, app.Recorder.Events.Count);
        var measurement = Assert.Single(ignored.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal(reason, measurement.Tags[TelemetryHostingInstruments.ReasonTag]);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("<script>")]
    [InlineData("id/with/slashes")]
    public async Task Post_InteractionIdWithUnsafeCharacters_IsIgnoredAndCounted(string value)
    {
        await using var app = await ClientEventsApp.StartAsync();
        using var ignored = Collect(app);

        using var response = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: (Header, value));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Null(Assert.Single(app.Recorder.Events).InteractionId);
        Assert.Equal("invalid_character", Assert.Single(ignored.GetMeasurementSnapshot()).Tags[TelemetryHostingInstruments.ReasonTag]);
    }

    private static MetricCollector<long> Collect(ClientEventsApp app) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.InteractionIdIgnored);
}
