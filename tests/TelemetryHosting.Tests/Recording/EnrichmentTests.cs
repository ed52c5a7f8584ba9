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
        await harness.Recorder.FlushWithinLimitAsync();

        var events = harness.ReceivedEvents().ToDictionary(e => e.Action);
        Assert.Equal("enriched-interaction", events["view"].Interaction.InteractionId);
        Assert.Equal("enriched-user", events["view"].User.SamsExternalId);
        Assert.Equal("explicit-interaction", events["explicit"].Interaction.InteractionId);
        Assert.Equal(42, events["explicit"].User.UserId);
        Assert.False(events["explicit"].User.HasSamsExternalId);
    }

    [Fact]
    public async Task Record_EnricherThrows_RecordsTheEventAsTheOthersEnrichedItAndLogsOnce()
    {
        await using var harness = await RecorderHarness.StartAsync(configureServices: services =>
        {
            // The faulty one runs second, over what the first filled in.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, FixedEnricher>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, ThrowingEnricher>());
        });

        Assert.True(harness.Recorder.Record("search", "view"));
        Assert.True(harness.Recorder.Record("search", "view"));
        await harness.Recorder.FlushWithinLimitAsync();

        var received = harness.ReceivedEvents();
        Assert.Equal(2, received.Count);
        Assert.All(received, e =>
        {
            Assert.Equal("enriched-interaction", e.Interaction.InteractionId);
            Assert.Equal("enriched-user", e.User.SamsExternalId);
        });
        var failure = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 16);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Contains(nameof(ThrowingEnricher), failure.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingEnricher : ITelemetryEventEnricher
    {
        public void Enrich(ref TelemetryEventEnrichment enrichment)
        {
            // Half-filled before failing: none of it may reach the event.
            enrichment.InteractionId = "half-filled";
            throw new InvalidOperationException("enricher defect");
        }
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
