// The exporter's user callbacks (onError): whatever they do, the exporter keeps its promises.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, fakeStorage, run, sleep, status, storedFeatures, test } from './support.mjs'

const throwing = { onError: () => { throw new Error('a bug in the callback') } }

test('exportEvents resolves when onError throws', async () => {
  const exporter = new TelemetryHostingExporter({ ...throwing, maxBatchBytes: 100 })
  const big = { ...event('web.big'), parameters: { version: 0, privateMetadata: { s: 'x'.repeat(200) } } } // refused: too large
  await exporter.exportEvents([big])
  assert.equal(exporter.stats.refused, 1)
  exporter.dispose()
})

test('a hidden page\'s failed batch is stored when onError throws', async () => {
  const store = fakeStorage()
  const unavailable = endpoint(() => status(503))
  const exporter = new TelemetryHostingExporter({ ...throwing, fetch: unavailable.fetch })
  await exporter.exportEvents([event('web.one')])
  exporter.dispose() // as on pagehide: sent with keepalive; its 503 comes while the page is hidden
  await sleep(50)
  assert.equal(unavailable.requests.length, 1)
  assert.deepEqual(storedFeatures(store), ['web.one'], 'the batch answered 503 on a hidden page is kept for the next page')
})

test('a visible page keeps retrying and sending when onError throws', async () => {
  let answers = [status(503), status(400)]
  const sent = endpoint(() => answers.shift() ?? status(202))
  const exporter = new TelemetryHostingExporter({ ...throwing, fetch: sent.fetch, retryBaseMs: 10, retryMaxMs: 10, flushIntervalMs: 10 })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush() // 503: retried, then 400: refused
  await sleep(100)
  await exporter.exportEvents([event('web.two')])
  await exporter.flush()
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one', 'web.one', 'web.two'])
  assert.deepEqual({ sent: exporter.stats.sent, refused: exporter.stats.refused, retried: exporter.stats.retried }, { sent: 1, refused: 1, retried: 1 })
})

test('a headers function that throws at once is reported and the request goes with the last headers', async () => {
  const messages = []
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ onError: message => messages.push(message), headers: () => { throw new Error('no token') }, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
  assert.ok(messages.some(m => m.includes('headers')), 'reported: ' + JSON.stringify(messages))
})

await run()
