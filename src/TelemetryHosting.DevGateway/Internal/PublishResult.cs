namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The outcome of publishing one event, with the error text the gateway would report.</summary>
internal readonly record struct PublishResult(string Id, PublishOutcome Outcome, string? Error);
