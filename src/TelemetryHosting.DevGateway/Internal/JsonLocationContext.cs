using System.Text.Json.Serialization;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>Source-generated JSON for quoting a key in a location (trim- and AOT-safe).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class JsonLocationContext : JsonSerializerContext;
