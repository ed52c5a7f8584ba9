// The exporter's user callbacks (onError): whatever they do, the exporter keeps its promises.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, event, run, test } from './support.mjs'

const throwing = { onError: () => { throw new Error('a bug in the callback') } }

test('exportEvents resolves when onError throws', async () => {
  const exporter = new TelemetryHostingExporter({ ...throwing, maxBatchBytes: 100 })
  const big = { ...event('web.big'), parameters: { version: 0, privateMetadata: { s: 'x'.repeat(200) } } } // refused: too large
  await exporter.exportEvents([big])
  assert.equal(exporter.stats.refused, 1)
  exporter.dispose()
})

await run()
