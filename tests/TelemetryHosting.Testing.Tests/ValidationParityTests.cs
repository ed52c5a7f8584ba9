using Microsoft.Extensions.DependencyInjection;

namespace TelemetryHosting.Testing.Tests;

/// <summary>
/// The fake must refuse exactly what the real telemetry recorder refuses, with the same exception and message, so
/// that a test using the fake catches what production would throw.
/// </summary>
public sealed class ValidationParityTests : IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly ITelemetryRecorder _real;
    private readonly FakeTelemetryRecorder _fake = new();

    public ValidationParityTests()
    {
        var services = new ServiceCollection();
        services.AddTelemetryGateway(options =>
        {
            options.Endpoint = new Uri("http://127.0.0.1:1");
            options.ServiceId = "parity";
        });
        _provider = services.BuildServiceProvider();
        _real = _provider.GetRequiredService<ITelemetryRecorder>();
    }

    public static TheoryData<string?, string?> InvalidNames => new()
    {
        { "", "view" },
        { "search", "" },
        { null, "view" },
        { "search", null },
        { new string('a', 65), "view" },
        { "search", new string('a', 65) },
        { "a" + new string('é', 32), "view" },
        { "Search", "view" },
        { "a", "view" },
        { "search2", "view" },
        { "search_results", "view" },
        { "search\n", "view" },
        { "search", "View" },
        { "search", "view/all" },
    };

    public static TheoryData<string, TelemetryEventParameters> InvalidParameters => new()
    {
        { "NaN metadata", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["count"] = double.NaN } } },
        { "infinite metadata", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["count"] = double.PositiveInfinity } } },
        { "empty metadata key", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { [""] = 1 } } },
        { "empty private key", new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { [""] = "x" } } },
        { "unsupported private type", new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["when"] = new Uri("http://x") } } },
        { "non-finite private number", new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["n"] = double.NaN } } },
        {
            "nested non-finite private number",
            new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["list"] = new object?[] { 1, float.NegativeInfinity } } }
        },
        { "empty flag name", new TelemetryEventParameters { FeatureFlags = new Dictionary<string, bool> { [""] = true } } },
        {
            "marketing URL too long",
            new TelemetryEventParameters { MarketingTracking = new TelemetryMarketingTracking { LastSourceUrl = new string('u', 2_049) } }
        },
        {
            "marketing lone surrogate",
            new TelemetryEventParameters { MarketingTracking = new TelemetryMarketingTracking { SessionReferrer = "ref\uDC00" } }
        },
    };

    public static TheoryData<string, TelemetryEventParameters> ValidParameters => new()
    {
        { "none", new TelemetryEventParameters() },
        {
            "everything",
            new TelemetryEventParameters
            {
                Metadata = new Dictionary<string, double> { ["count"] = 1, ["max"] = double.MaxValue },
                PrivateMetadata = new Dictionary<string, object?>
                {
                    ["query"] = "grpc", ["n"] = 3, ["on"] = true, ["none"] = null, ["id"] = Guid.Empty,
                    ["nested"] = new Dictionary<string, object?> { ["list"] = new[] { 1, 2 } },
                },
                FeatureFlags = new Dictionary<string, bool> { ["flag"] = false },
                MarketingTracking = new TelemetryMarketingTracking { Url = new string('u', 2_048), CohortId = "🎉" },
            }
        },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Record_InvalidName_ThrowsLikeRealRecorder(string? feature, string? action)
    {
        var expected = Assert.Throws<ArgumentException>(() => _real.Record(feature!, action!));

        var actual = Assert.Throws<ArgumentException>(() => _fake.Record(feature!, action!));

        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(expected.ParamName, actual.ParamName);
        Assert.Empty(_fake.Events);
    }

    [Theory]
    [MemberData(nameof(InvalidParameters))]
    public void Record_InvalidParameters_ThrowsLikeRealRecorder(string scenario, TelemetryEventParameters parameters)
    {
        var expected = Assert.Throws<ArgumentException>(() => _real.Record("search", "view", parameters));

        var actual = Assert.Throws<ArgumentException>(() => _fake.Record("search", "view", parameters));

        Assert.True(expected.Message == actual.Message, $"{scenario}: expected '{expected.Message}', got '{actual.Message}'.");
        Assert.Empty(_fake.Events);
    }

    [Theory]
    [MemberData(nameof(ValidParameters))]
    public void Record_ValidParameters_AcceptedByBoth(string scenario, TelemetryEventParameters parameters)
    {
        Assert.True(_real.Record("search", "view", parameters), scenario);

        Assert.True(_fake.Record("search", "view", parameters), scenario);
    }

    public void Dispose() => _provider.Dispose();
}
