// The exporter's headers option: an object, or a function (maybe async) called before each request.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, fakePage, fakeStorage, quiet, run, sleep, storedFeatures, test } from './support.mjs'

const never = () => new Promise(() => {})

test('a headers function whose promise never settles does not stop the exporter: the last headers are used', async () => {
  const sent = endpoint()
  const messages = []
  let calls = 0
  const headers = () => (++calls === 1 ? { Authorization: 'Bearer one' } : never())
  const exporter = new TelemetryHostingExporter({ onError: m => messages.push(m), headers, headersTimeoutMs: 100, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  await exporter.exportEvents([event('web.two')])
  const settled = await Promise.race([exporter.flush().then(() => true), sleep(5000).then(() => false)])
  exporter.dispose()
  assert.ok(settled, 'flush() did not settle within 5 s')
  assert.deepEqual(sent.delivered, ['web.one', 'web.two'])
  assert.deepEqual(sent.requests.map(r => r.headers.Authorization), ['Bearer one', 'Bearer one'])
  assert.ok(messages.some(m => m.includes('headers')), 'reported: ' + JSON.stringify(messages))
})

test('the default headersTimeoutMs waits for a slow headers function', async () => {
  const sent = endpoint()
  const headers = async () => { await sleep(200); return { Authorization: 'Bearer slow' } }
  const exporter = new TelemetryHostingExporter({ ...quiet, headers, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  exporter.dispose()
  assert.deepEqual(sent.requests.map(r => r.headers.Authorization), ['Bearer slow'])
})

test('a batch waiting for headers when the page is hidden is sent on page close, once', async () => {
  fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...quiet, headers: never, headersTimeoutMs: 200, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  exporter.flush()
  await sleep(10) // the batch is out of the buffer, waiting for its headers
  page.hide()
  await sleep(400) // past headersTimeoutMs: the waiting request must not go out as well
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
  assert.equal(sent.requests[0].keepalive, true)
})

test('a batch waiting for headers when the page closes is stored when it doesn\'t fit the keepalive budget', async () => {
  const store = fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...quiet, headers: never, headersTimeoutMs: 200, keepaliveBudgetBytes: 10, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  exporter.flush()
  await sleep(10)
  page.pagehide()
  assert.deepEqual(storedFeatures(store), ['web.one'])
  await sleep(400)
  exporter.dispose()
  assert.deepEqual(sent.delivered, [])
  assert.deepEqual(storedFeatures(store), ['web.one'])
})

test('a page hidden and shown again while headers are awaited sends its batch once', async () => {
  fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  let release
  const headers = () => (release ? { Authorization: 'Bearer next' } : new Promise(resolve => { release = resolve })) // the first call waits
  const exporter = new TelemetryHostingExporter({ ...quiet, headers, keepaliveBudgetBytes: 10, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  const flushed = exporter.flush()
  await sleep(10)
  page.hide() // stored: nothing fits the keepalive budget
  page.show() // taken back; a request is already waiting for its headers
  release({ Authorization: 'Bearer late' })
  await flushed
  await exporter.flush()
  await sleep(50)
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
})

await run()
