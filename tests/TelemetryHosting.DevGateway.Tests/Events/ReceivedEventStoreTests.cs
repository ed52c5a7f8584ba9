using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Events;

/// <summary>What the gateway keeps: counts, bound, order, waiting on a count.</summary>
public sealed class ReceivedEventStoreTests
{
    [Fact]
    public async Task WaitForDistinctCountAsync_EventsArriveLater_Completes()
    {
        await using var harness = await StartAsync();
        using var cts = new CancellationTokenSource(WaitLimit);
        var waiting = harness.Gateway.Events.WaitForDistinctCountAsync(3, cts.Token);

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(), NewEvent()));
        Assert.False(waiting.IsCompleted);
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        await waiting;
        Assert.Equal(3, harness.Gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task WaitForDistinctCountAsync_DuplicatesOnly_DoNotCount()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        using var cts = new CancellationTokenSource();
        var waiting = harness.Gateway.Events.WaitForDistinctCountAsync(2, cts.Token);

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev, ev));
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(2, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task WaitForDistinctCountAsync_AlreadyReached_CompletedAtOnce()
    {
        await using var harness = await StartAsync();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.True(harness.Gateway.Events.WaitForDistinctCountAsync(1, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Contains_UuidInOtherCase_IsAnotherId()
    {
        await using var harness = await StartAsync();
        var lower = Guid.CreateVersion7().ToString("D");
        var upper = lower.ToUpperInvariant();

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(id: lower), NewEvent(id: "not-a-uuid")));

        Assert.True(harness.Gateway.Events.Contains(lower));
        Assert.True(harness.Gateway.Events.Contains("not-a-uuid"));
        Assert.False(harness.Gateway.Events.Contains(upper));
        Assert.False(harness.Gateway.Events.Contains(lower.Replace("-", string.Empty, StringComparison.Ordinal)));
        Assert.Equal(2, harness.Gateway.Events.DistinctCount);

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(id: upper), NewEvent(id: lower)));
        Assert.True(harness.Gateway.Events.Contains(upper));
        Assert.Equal(3, harness.Gateway.Events.DistinctCount);
        Assert.Equal(1, harness.Gateway.Events.DuplicateCount);
    }

    [Fact]
    public async Task Snapshot_MoreThanMaxStoredEvents_NewestFirstAndBoundedWhileCountsGoOn()
    {
        await using var harness = await StartAsync(o => o.MaxStoredEvents = 3);
        var events = Enumerable.Range(0, 5).Select(i => NewEvent(id: "id-" + i)).ToArray();

        foreach (var ev in events)
        {
            await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));
        }

        Assert.Equal(["id-4", "id-3", "id-2"], harness.Gateway.Events.Snapshot().Select(e => e.Id));
        Assert.Equal(5, harness.Gateway.Events.Count);
        Assert.True(harness.Gateway.Events.Contains("id-0"));
    }

    [Fact]
    public async Task Clear_AfterEvents_ForgetsEventsAndCounts()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev, ev));

        harness.Gateway.Events.Clear();

        Assert.Empty(harness.Gateway.Events.Snapshot());
        Assert.Equal(0, harness.Gateway.Events.Count);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        Assert.False(harness.Gateway.Events.Contains(ev.Id));
    }

    [Fact]
    public async Task ReceivedAt_FromTheGatewayClock()
    {
        await using var harness = await StartAsync(fakeTime: true);
        harness.Time!.Advance(TimeSpan.FromMinutes(3));

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(harness.Time.GetUtcNow(), Assert.Single(harness.Gateway.Events.Snapshot()).ReceivedAt);
    }

    [Fact]
    public async Task Add_ManyConcurrentStreams_EveryEventCountedOnce()
    {
        await using var harness = await StartAsync();
        var batches = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 25).Select(_ => NewEvent()).ToArray()).ToArray();

        var results = await Task.WhenAll(batches.Select(batch => harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(batch))));

        Assert.All(results, r => Assert.Equal(StatusCode.OK, r.Status.StatusCode));
        Assert.Equal(200, harness.Gateway.Events.DistinctCount);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
    }

    [Fact]
    public async Task RecordEvents_EightMegabyteInvalidEvent_RefusedStoreKeepsSmallSummary()
    {
        await using var harness = await StartAsync();
        var bad = NewEvent("Bad", "view");
        bad.Parameters.PrivateMetadata = new Struct { Fields = { ["blob"] = Value.ForString(new string('x', 8_000_000)) } };

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        var kept = Assert.Single(harness.Gateway.Events.RefusedSnapshot());
        Assert.True(kept.Event.CalculateSize() < 64 * 1024, $"The refused store keeps {kept.Event.CalculateSize():N0} bytes of one invalid event.");
        Assert.Equal((bad.Id, "Bad", "view", bad.Timestamp), (kept.Event.Id, kept.Event.Feature, kept.Event.Action, kept.Event.Timestamp));
        Assert.StartsWith("invalid event 'feature' or 'action': ", kept.Reason, StringComparison.Ordinal);
        Assert.True(kept.IsSummary);
    }

    [Fact]
    public async Task RecordEvents_MegabyteFeatureInvalidEvent_SummaryKeepsTheFeatureClipped()
    {
        await using var harness = await StartAsync();
        var bad = NewEvent(new string('F', 1_000_000), "view");

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        var kept = Assert.Single(harness.Gateway.Events.RefusedSnapshot());
        Assert.True(kept.Event.CalculateSize() < 64 * 1024, $"The refused store keeps {kept.Event.CalculateSize():N0} bytes of one invalid event.");
        Assert.Equal(new string('F', 1000) + "…", kept.Event.Feature);
        Assert.Equal(bad.Id, kept.Event.Id);
    }

    [Fact]
    public async Task RecordEvent_InvalidEventsWithLargeMetadata_RefusedStoreKeepsRequestFieldsClipped()
    {
        var licenseKey = new string('k', 500_000);
        await using var harness = await StartAsync(o => o.LicenseKeys.Add(licenseKey));
        var managed = ManagedService(new string('s', 500_000), new string('e', 500_000));
        var licensed = Licensed(licenseKey, new string('i', 500_000));
        licensed.Identifier.LicensedInstance.ExternalUrl = "https://" + new string('u', 500_000);
        managed.RequestId = licensed.RequestId = new string('r', 1_000_000);
        for (var i = 0; i < 3; i++)
        {
            // Each unary call brings its own copy of the metadata (here 2 MB).
            var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = managed, Event = NewEvent("Bad", "view") }, harness.Auth());
            Assert.Equal(StatusCode.Internal, status.StatusCode);
        }

        // The unary call is for managed services only; an instance's metadata comes on a stream.
        var result = await harness.RecordEventsAsync(null, MetadataMessage(licensed), Payload(NewEvent("Bad", "view")));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);

        var refused = harness.Gateway.Events.RefusedSnapshot();
        Assert.Equal(4, refused.Length);

        // At most three strings of 1,000 characters and "…" each (request id and two identifier fields), no license key.
        Assert.All(refused, r => Assert.True(r.Request.CalculateSize() <= 3 * ((1_001 * 3) + 5) + 10, $"{r.Request.CalculateSize():N0} bytes of metadata kept"));
        Assert.All(refused, r => Assert.Equal(new string('r', 1_000) + "…", r.Request.RequestId));
        Assert.Equal(new string('s', 1_000) + "…", refused[3].Request.Identifier.ManagedService.ServiceId);
        Assert.Equal(new string('e', 1_000) + "…", refused[3].Request.Identifier.ManagedService.ServiceEnvironment);
        Assert.Equal(("", new string('i', 1_000) + "…"), (refused[0].Request.Identifier.LicensedInstance.LicenseKey, refused[0].Request.Identifier.LicensedInstance.InstanceId));
    }
}
