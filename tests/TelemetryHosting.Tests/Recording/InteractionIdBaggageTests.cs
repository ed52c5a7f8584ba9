using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using Telemetrygateway.V1;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

public sealed class InteractionIdBaggageTests
{
    private const string Key = TelemetryEventParameters.InteractionIdBaggageKey;

    [Fact]
    public async Task Record_InteractionIdInBaggage_TakesItFromOpenTelemetryOrActivityBaggage()
    {
        await using var harness = await RecorderHarness.StartAsync();

        RecordWithBaggage(harness, "otel", "from-otel-baggage");
        using (new Activity("request").AddBaggage(Key, "from-activity-baggage").Start())
        {
            harness.Recorder.Record("search", "activity");
        }

        await harness.Recorder.FlushWithinLimitAsync();
        var events = harness.ReceivedEvents().ToDictionary(e => e.Action);
        Assert.Equal("from-otel-baggage", events["otel"].Interaction?.InteractionId);
        Assert.Equal("from-activity-baggage", events["activity"].Interaction?.InteractionId);
    }

    [Fact]
    public async Task Record_NoBaggage_LeavesInteractionIdUnset()
    {
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "none");
        using (new Activity("request").AddBaggage("other.key", "x").Start())
        {
            harness.Recorder.Record("search", "otherkey");
        }

        await harness.Recorder.FlushWithinLimitAsync();
        Assert.All(harness.ReceivedEvents(), e => Assert.False(HasInteractionId(e), e.Action));
        Assert.Equal(2, harness.ReceivedEvents().Count);
    }

    [Fact]
    public async Task Record_ExplicitOrEnrichedInteractionId_WinsOverBaggage()
    {
        await using var harness = await RecorderHarness.StartAsync(configureServices: services =>
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, EnricherForEnrichedAction>()));

        RecordWithBaggage(harness, "explicit", "from-baggage", new TelemetryEventParameters { InteractionId = "explicit" });
        RecordWithBaggage(harness, "enriched", "from-baggage");
        RecordWithBaggage(harness, "baggage", "from-baggage");

        await harness.Recorder.FlushWithinLimitAsync();
        var events = harness.ReceivedEvents().ToDictionary(e => e.Action);
        Assert.Equal("explicit", events["explicit"].Interaction?.InteractionId);
        Assert.Equal("enriched", events["enriched"].Interaction?.InteractionId);
        Assert.Equal("from-baggage", events["baggage"].Interaction?.InteractionId);
    }

    [Fact]
    public async Task Record_InvalidBaggageValue_IsIgnored()
    {
        await using var harness = await RecorderHarness.StartAsync();

        RecordWithBaggage(harness, "toolong", new string('a', 129));
        RecordWithBaggage(harness, "badchar", "id with spaces<script>");
        RecordWithBaggage(harness, "blank", "   ");
        RecordWithBaggage(harness, "longest", new string('a', 128));

        await harness.Recorder.FlushWithinLimitAsync();
        var events = harness.ReceivedEvents().ToDictionary(e => e.Action);
        Assert.False(HasInteractionId(events["toolong"]));
        Assert.False(HasInteractionId(events["badchar"]));
        Assert.False(HasInteractionId(events["blank"]));
        Assert.Equal(new string('a', 128), events["longest"].Interaction?.InteractionId);
    }

    private static void RecordWithBaggage(RecorderHarness harness, string action, string value, TelemetryEventParameters? parameters = null)
    {
        var previous = Baggage.Current;
        Baggage.Current = Baggage.Create(new Dictionary<string, string> { [Key] = value });
        try
        {
            harness.Recorder.Record("search", action, parameters);
        }
        finally
        {
            Baggage.Current = previous;
        }
    }

    private static bool HasInteractionId(Event e) => e.Interaction?.HasInteractionId == true;

    private sealed class EnricherForEnrichedAction : ITelemetryEventEnricher
    {
        public void Enrich(ref TelemetryEventEnrichment enrichment)
        {
            if (enrichment.Action == "enriched")
            {
                enrichment.InteractionId = "enriched";
            }
        }
    }
}
