namespace TelemetryHosting.Aspire.Tests;

/// <summary>The tests that share one sample AppHost.</summary>
[CollectionDefinition(Name)]
public sealed class SampleAppHostCollection : ICollectionFixture<SampleAppHostFixture>
{
    public const string Name = "Sample AppHost";
}
