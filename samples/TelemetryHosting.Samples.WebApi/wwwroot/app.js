// The sample page's code, written the way a page using Sourcegraph's @sourcegraph/telemetry uses it: it takes a
// recorder with recordEvent(feature, action, parameters) and an exporter from TelemetryHosting.
//
// - The exporter is TelemetryHosting's own (/telemetry/exporter.js, served by MapTelemetryExporterScript).
// - The recorder is the REAL @sourcegraph/telemetry TelemetryRecorderProvider when the sample serves a bundle of it at
//   /vendor/sourcegraph-telemetry.js (the browser tests build one with esbuild and set Sample:SourcegraphTelemetryBundle;
//   the repository holds no copy of it). Otherwise it is the small stand-in below, which builds the same
//   TelemetryEventInput objects the library builds, but does not validate names and has no processors.
import { TelemetryHostingExporter } from '/telemetry/exporter.js'

const query = new URLSearchParams(location.search)
// SAMPLE ONLY: the sample's stand-in for a login (SampleUserAuthenticationHandler). A real page sends its session
// cookie (same-origin credentials, the default) or a bearer token (headers: () => ({ Authorization: ... })).
const user = query.get('user') ?? '0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f'
const source = { client: 'sample.web', clientVersion: '1.0.0' }
// One interaction id per page view: every event of this view carries it (parameters.interactionID).
const interactionID = 'page-' + (crypto.randomUUID?.() ?? Math.random().toString(36).slice(2))

const exporter = new TelemetryHostingExporter({ url: '/api/telemetry', headers: { 'X-Sample-User': user } })

async function createRecorder() {
  try {
    const telemetry = await import('/vendor/sourcegraph-telemetry.js')
    // No processors: the exporter stamps each event with the time it reaches it (at once, with bufferTimeMs: 0).
    const provider = new telemetry.TelemetryRecorderProvider(source, exporter, [], {
      bufferTimeMs: 0, // the exporter batches, and flushes when the page closes: events reach it at once
      bufferMaxSize: 1,
      errorHandler: error => console.error('@sourcegraph/telemetry:', error),
    })
    return { kind: '@sourcegraph/telemetry (real)', recorder: provider.getRecorder(), telemetry }
  } catch {
    return { kind: 'minimal stand-in (no @sourcegraph/telemetry bundle served)', recorder: minimalRecorder() }
  }
}

// A stand-in for @sourcegraph/telemetry's recorder: the TelemetryEventInput objects its recordEvent builds.
function minimalRecorder() {
  return {
    recordEvent(feature, action, parameters = {}) {
      exporter.exportEvents([{
        feature,
        action,
        source,
        parameters: {
          version: parameters.version ?? 0,
          interactionID: parameters.interactionID,
          metadata: parameters.metadata ? Object.entries(parameters.metadata).map(([key, value]) => ({ key, value })) : undefined,
          privateMetadata: parameters.privateMetadata,
          billingMetadata: parameters.billingMetadata,
        },
        timestamp: new Date().toISOString(),
      }])
    },
  }
}

const { kind, recorder, telemetry } = await createRecorder()
window.sampleTelemetry = { kind, recorder, exporter, interactionID, user, telemetry }

recorder.recordEvent('sample.page', 'viewed', { version: 1, interactionID, metadata: { buttons: document.querySelectorAll('button[data-position]').length } })
for (const button of document.querySelectorAll('button[data-position]')) {
  button.addEventListener('click', () =>
    recorder.recordEvent('sample.button', 'clicked', { version: 1, interactionID, metadata: { position: Number(button.dataset.position) } }))
}

document.getElementById('recorder-kind').textContent = kind
document.getElementById('interaction').textContent = interactionID
document.getElementById('user').textContent = user
document.getElementById('next').href = location.pathname + location.search
const showStats = () => { document.getElementById('stats').textContent = 'exporter: ' + JSON.stringify(exporter.stats) }
showStats()
setInterval(showStats, 1000)
