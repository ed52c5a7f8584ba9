using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

public sealed class EnrichmentTests
{
    [Fact]
    public async Task Record_WithEnricher_FillsWhatTheCallerLeftUnset()
    {
        await using var harness = await RecorderHarness.StartAsync(configureServices: services =>
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, FixedEnricher>()));

        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "explicit", new TelemetryEventParameters
        {
            InteractionId = "explicit-interaction",
            User = new TelemetryEventUser { UserId = 42 },
        });
        await harness.Recorder.FlushAsync();

        var events = harness.ReceivedEvents().ToDictionary(e => e.Action);
        Assert.Equal("enriched-interaction", events["view"].Interaction.InteractionId);
        Assert.Equal("enriched-user", events["view"].User.SamsExternalId);
        Assert.Equal("explicit-interaction", events["explicit"].Interaction.InteractionId);
        Assert.Equal(42, events["explicit"].User.UserId);
        Assert.False(events["explicit"].User.HasSamsExternalId);
    }

    private sealed class FixedEnricher : ITelemetryEventEnricher
    {
        public void Enrich(ref TelemetryEventEnrichment enrichment)
        {
            enrichment.InteractionId = "enriched-interaction";
            enrichment.SamsExternalId = "enriched-user";
        }
    }
}
