namespace TelemetryHosting.Tests.TestSupport;

/// <summary>One event as a gateway under test received it: its id and the <c>seq</c> number the tests put in its metadata.</summary>
internal sealed record GatewayReceipt(string Id, int Seq);
