using Grpc.Core;
using TelemetryHosting.Export.Internal;

namespace Telemetrygateway.V1;

/// <summary>Adds to the generated service a <c>RecordEvents</c> call whose requests carry events the library encoded itself.</summary>
internal static partial class TelemeteryGatewayService
{
    public partial class TelemeteryGatewayServiceClient
    {
        // The generated method's names and response marshaller: only the requests are written another way. Here, not in
        // the service class, whose parts' field initializers run in no set order.
        private static readonly Method<EncodedEventsRequest, RecordEventsResponse> RecordEncodedEventsMethod = new(
            MethodType.DuplexStreaming,
            __Method_RecordEvents.ServiceName,
            __Method_RecordEvents.Name,
            EncodedEventsRequest.Marshaller,
            __Method_RecordEvents.ResponseMarshaller);

        internal AsyncDuplexStreamingCall<EncodedEventsRequest, RecordEventsResponse> RecordEncodedEvents(CallOptions options) =>
            CallInvoker.AsyncDuplexStreamingCall(RecordEncodedEventsMethod, null, options);
    }
}
