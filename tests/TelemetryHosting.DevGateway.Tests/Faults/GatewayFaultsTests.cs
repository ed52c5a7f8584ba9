using Grpc.Core;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Faults;

/// <summary>Fault injection, set by options at start and changed at run time.</summary>
public sealed class GatewayFaultsTests
{
    [Fact]
    public async Task RejectFraction_SameSeed_SameIdsFailOnEveryGateway()
    {
        var events = Enumerable.Range(0, 200).Select(i => NewEvent(id: $"event-{i:D3}")).ToArray();

        var first = await FailedIdsAsync(events, seed: 42);
        var second = await FailedIdsAsync(events, seed: 42);
        var otherSeed = await FailedIdsAsync(events, seed: 7);

        Assert.Equal(first.Order(), second.Order());
        Assert.NotEqual(first.Order(), otherSeed.Order());
        Assert.InRange(first.Count, 50, 150);
    }

    [Fact]
    public async Task RejectFraction_RetriesOfFailedIds_EventuallyAllSucceed()
    {
        await using var harness = await StartAsync(o =>
        {
            o.Faults.RejectEvents = new() { Enabled = true, InjectionRate = 0.5 };
            o.Faults.Seed = 3;
        });
        var pending = Enumerable.Range(0, 50).Select(_ => NewEvent()).ToList();

        for (var round = 0; round < 30 && pending.Count > 0; round++)
        {
            var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload([.. pending]));
            Assert.Equal(StatusCode.OK, result.Status.StatusCode);
            pending.RemoveAll(e => result.Succeeded.Contains(e.Id));
        }

        Assert.Empty(pending);
        Assert.Equal(50, harness.Gateway.Events.DistinctCount);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        Assert.True(harness.Gateway.Faults.InjectedEventFailures > 0);
    }

    [Fact]
    public async Task RejectWhen_MatchingFeature_AlwaysLeftOut()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.RejectWhen = (feature, _) => feature == "refused.feature";
        var refused = NewEvent("refused.feature");
        var accepted = NewEvent("accepted.feature");

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(refused, accepted));
            Assert.Equal([accepted.Id], result.Succeeded);
        }

        Assert.False(harness.Gateway.Events.Contains(refused.Id));
        Assert.Equal(3, harness.Gateway.Faults.InjectedEventFailures);
    }

    [Fact]
    public async Task RejectFeatures_FromOptions_LeftOutOnBothPaths()
    {
        await using var harness = await StartAsync(o => { o.Faults.RejectEvents.Enabled = true; o.Faults.RejectEvents.Features.Add("refused"); });

        var stream = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent("refused")));
        var unary = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent("refused") }, harness.Auth());

        Assert.Empty(stream.Succeeded);
        Assert.Equal(StatusCode.Internal, unary.StatusCode);
        Assert.StartsWith("failed to publish event: ", unary.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailNextCalls_Two_TwoCallsUnavailableThenOk()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.FailNextCalls(2);

        var first = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
        var second = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent() }, harness.Auth());
        var third = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.Unavailable, first.Status.StatusCode);
        Assert.Equal(StatusCode.Unavailable, second.StatusCode);
        Assert.Equal(StatusCode.OK, third.Status.StatusCode);
        Assert.Equal(1, harness.Gateway.Events.Count);
        Assert.Equal(0, harness.Gateway.Faults.PendingCallFailures);
    }

    [Fact]
    public async Task FailNextCalls_OtherCode_ThatCode()
    {
        await using var harness = await StartAsync(o =>
        {
            o.Faults.FailCalls = new() { Enabled = true, MaxInjections = 1, StatusCode = StatusCode.ResourceExhausted };
        });

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.ResourceExhausted, result.Status.StatusCode);
    }

    [Fact]
    public async Task ResponseDelay_UnaryCall_AnsweredOnlyAfterTheDelayOnTheGatewayClock()
    {
        // An hour: on the wall clock the call could not be answered within the test's wait limit.
        await using var harness = await StartAsync(o => o.Faults.DelayResponses = new() { Enabled = true, Delay = TimeSpan.FromHours(1) }, fakeTime: true);
        var ev = NewEvent();
        using var cts = new CancellationTokenSource(WaitLimit);
        var call = harness.Client.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = ev }, harness.Auth(), cancellationToken: cts.Token).ResponseAsync;

        // The event is stored before the delay starts; from then on only the gateway's clock can release the response.
        await harness.Gateway.Events.WaitForDistinctCountAsync(1, cts.Token);
        var advanced = TimeSpan.Zero;
        while (!call.IsCompleted)
        {
            cts.Token.ThrowIfCancellationRequested();
            harness.Time!.Advance(TimeSpan.FromMinutes(1));
            advanced += TimeSpan.FromMinutes(1);
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cts.Token));
        }

        await call;
        Assert.True(advanced >= TimeSpan.FromHours(1), $"answered after {advanced} of gateway time");
    }

    [Fact]
    public async Task RejectTokens_ValidToken_PermissionDeniedUntilReset()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.RejectTokens = true;

        var rejected = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
        harness.Gateway.Faults.Reset();
        var accepted = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.PermissionDenied, rejected.Status.StatusCode);
        Assert.Equal("permission denied", rejected.Status.Detail);
        Assert.Equal(StatusCode.OK, accepted.Status.StatusCode);
    }

    [Fact]
    public async Task AbortNextStreams_One_StreamEndsWithoutResponseAndNothingStored()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.AbortNextStreams(1);
        var ev = NewEvent();

        var aborted = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));
        var next = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.NotEqual(StatusCode.OK, aborted.Status.StatusCode);
        Assert.Empty(aborted.Responses);
        Assert.Equal(StatusCode.OK, next.Status.StatusCode);
        Assert.Equal([ev.Id], next.Succeeded);
        Assert.Equal(1, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task AbortNextStreams_AcceptEventsFirst_RetryMakesDuplicates()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.AbortNextStreams(1, acceptEventsFirst: true);
        var ev = NewEvent();

        var aborted = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));
        var retry = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.NotEqual(StatusCode.OK, aborted.Status.StatusCode);
        Assert.Empty(aborted.Responses);
        Assert.Equal([ev.Id], retry.Succeeded);
        Assert.Equal(1, harness.Gateway.Events.DistinctCount);
        Assert.Equal(1, harness.Gateway.Events.DuplicateCount);
    }

    [Fact]
    public async Task Reset_AfterEveryFault_GatewayBehavesNormally()
    {
        await using var harness = await StartAsync(o =>
        {
            o.Faults.RejectEvents.Enabled = true;
            o.Faults.RejectEvents.Features.Add("testFeature");
            o.Faults.FailCalls = new() { Enabled = true, MaxInjections = 5 };
            o.Faults.AbortStreams = new() { Enabled = true, MaxInjections = 5 };
            o.Faults.HangStreams = new() { Enabled = true, MaxInjections = 5 };
            o.Faults.GoAwayStreams = new() { Enabled = true };
            o.Faults.RejectTokens.Enabled = true;
            o.Faults.FailTokenIntrospection.Enabled = true;
            o.Faults.DelayResponses = new() { Enabled = true, Delay = TimeSpan.FromHours(1) };
        });

        harness.Gateway.Faults.Reset();
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Single(result.Succeeded);
        Assert.Equal(0, harness.Gateway.Faults.PendingCallFailures);
        Assert.Equal(0, harness.Gateway.Faults.PendingStreamAborts);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public async Task RejectFraction_OutOfRange_Throws(double fraction)
    {
        await using var harness = await StartAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => harness.Gateway.Faults.RejectFraction = fraction);
    }

    [Fact]
    public async Task FailCalls_RateThenLimit_AboutThatFractionFailsThenExactlyTheLimit()
    {
        await using var harness = await StartAsync(o =>
        {
            o.Faults.Seed = 11;
            o.Faults.FailCalls = new() { Enabled = true, InjectionRate = 0.5, StatusCode = StatusCode.Aborted };
        });

        var rated = await StatusesAsync(harness, 40);
        harness.Gateway.Faults.Configure(new GatewayFaultOptions { FailCalls = new() { Enabled = true, MaxInjections = 3 } });
        var limited = await StatusesAsync(harness, 5);

        Assert.InRange(rated.Count(s => s == StatusCode.Aborted), 8, 32);
        Assert.Equal(40, rated.Count(s => s is StatusCode.OK or StatusCode.Aborted));
        Assert.Equal([StatusCode.Unavailable, StatusCode.Unavailable, StatusCode.Unavailable, StatusCode.OK, StatusCode.OK], limited);
        Assert.Equal(0, harness.Gateway.Faults.PendingCallFailures);

        static async Task<List<StatusCode>> StatusesAsync(GatewayHarness harness, int calls)
        {
            var statuses = new List<StatusCode>();
            for (var call = 0; call < calls; call++)
            {
                statuses.Add((await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()))).Status.StatusCode);
            }

            return statuses;
        }
    }

    [Fact]
    public async Task Options_ChangedAfterStart_DoNotReachTheRunningGateway()
    {
        var options = new DevelopmentGatewayOptions();
        options.Faults.RejectEvents.Features.Add("other.feature");
        options.Faults.RejectEvents.Enabled = true;
        await using var gateway = await DevelopmentGateway.StartAsync(options);

        options.Faults.RejectEvents.Features.Add("testFeature");
        options.Faults.FailCalls.Enabled = true;

        Assert.Equal(0, gateway.Faults.PendingCallFailures);
        Assert.Equal(1, gateway.Faults.RejectFraction);
    }

    [Fact]
    public async Task Configure_ReplacesEveryFaultAndRefusesOutOfRangeSettings()
    {
        await using var harness = await StartAsync(o => o.Faults.RejectTokens.Enabled = true);
        var next = new GatewayFaultOptions { FailCalls = new() { Enabled = true, MaxInjections = 1 } };

        harness.Gateway.Faults.Configure(next);

        Assert.False(harness.Gateway.Faults.RejectTokens);
        Assert.Equal(1, harness.Gateway.Faults.PendingCallFailures);
        var error = Assert.Throws<ArgumentException>(() => harness.Gateway.Faults.Configure(new GatewayFaultOptions
        {
            DelayResponses = new() { InjectionRate = 2, Delay = TimeSpan.FromSeconds(-1) },
        }));
        Assert.Contains("Faults.DelayResponses.InjectionRate must be between 0 and 1 (was 2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Faults.DelayResponses.Delay must not be negative", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, harness.Gateway.Faults.PendingCallFailures);
    }

    [Fact]
    public async Task StartAsync_InvalidFault_FailsNamingIt()
    {
        var options = new DevelopmentGatewayOptions();
        options.Faults.AbortStreams.MaxInjections = -1;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => DevelopmentGateway.StartAsync(options));

        Assert.Contains("Faults.AbortStreams.MaxInjections must not be negative (was -1)", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HashSet<string>> FailedIdsAsync(Event[] events, int seed)
    {
        await using var harness = await StartAsync(o =>
        {
            o.Faults.RejectEvents = new() { Enabled = true, InjectionRate = 0.5 };
            o.Faults.Seed = seed;
        });
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(events));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        return events.Select(e => e.Id).Where(id => !result.Succeeded.Contains(id)).ToHashSet();
    }
}
