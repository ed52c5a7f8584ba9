using Grpc.Core;

namespace Telemetrygateway.V1;

/// <summary>Adds to the generated service class what the exporter needs to send events it encoded itself.</summary>
internal static partial class TelemeteryGatewayService
{
    /// <summary>Adds access to the client's call invoker (the channel, interceptors and credentials the client factory configured).</summary>
    public partial class TelemeteryGatewayServiceClient
    {
        /// <summary>Gets the invoker the generated methods call through.</summary>
        internal CallInvoker Invoker => CallInvoker;
    }
}
