// The entry of the browser tests' bundle of the real @sourcegraph/telemetry, built at test time with esbuild
// (SourcegraphTelemetryBundle.cs): the library's classes a page uses, as an ES module's named exports.
export {
  TelemetryRecorderProvider,
  MarketingTrackingTelemetryProcessor,
  BillingMetadataTelemetryProcessor,
} from '@sourcegraph/telemetry'
// 0.18.0's index does not re-export the timestamp processor (processors/index.js leaves it out): imported from its file.
export { TimestampTelemetryProcessor } from '@sourcegraph/telemetry/dist/processors/timestamp'
