// The exporter when the page is hidden or closes: keepalive requests within the budget, the rest in storage.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, fakePage, fakeStorage, quiet, run, sleep, status, storedFeatures, test, withoutKeepalive } from './support.mjs'

// An event of about 1 KiB, so that a few of them make up a keepalive budget.
const kib = feature => ({ ...event(feature), parameters: { version: 0, privateMetadata: { s: 'x'.repeat(1000) } } })
const small = { ...quiet, maxBatchBytes: 2500, keepaliveBudgetBytes: 5000 } // two events a request, four in the budget

test('on pagehide what fits the keepalive budget is sent with keepalive, the rest is stored', async () => {
  const store = fakeStorage()
  const page = fakePage()
  const sent = endpoint(async () => { await sleep(50); return status(202) })
  const exporter = new TelemetryHostingExporter({ ...small, fetch: sent.fetch })
  await exporter.exportEvents(['a', 'b', 'c', 'd', 'e', 'f'].map(kib))
  page.pagehide()
  assert.deepEqual(storedFeatures(store), ['e', 'f'])
  await sleep(100)
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['a', 'b', 'c', 'd'])
  assert.ok(sent.requests.every(r => r.keepalive === true))
})

test('on pagehide nothing is sent while a retry is pending: everything is stored', async () => {
  const store = fakeStorage()
  const page = fakePage()
  const rateLimited = endpoint(() => status(429, { 'Retry-After': '60' }))
  const exporter = new TelemetryHostingExporter({ ...quiet, fetch: rateLimited.fetch })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  await exporter.exportEvents([event('web.two')])
  page.pagehide()
  exporter.dispose()
  assert.equal(rateLimited.requests.length, 1)
  assert.deepEqual(storedFeatures(store), ['web.one', 'web.two'])
})

test('without fetch keepalive, pagehide stores everything and sends nothing; the next page sends it once', async () => {
  withoutKeepalive()
  const store = fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...small, fetch: sent.fetch })
  await exporter.exportEvents(['a', 'b'].map(kib))
  page.pagehide()
  await exporter.exportEvents([kib('c')]) // recorded while hidden: stored as well
  assert.deepEqual(storedFeatures(store), ['a', 'b', 'c'])
  await sleep(50)
  exporter.dispose()
  assert.deepEqual(sent.delivered, [], 'sent on page close without keepalive: the browser cancels it when the page unloads')
  const next = new TelemetryHostingExporter({ ...small, fetch: sent.fetch })
  await next.flush()
  next.dispose()
  assert.deepEqual(sent.delivered, ['a', 'b', 'c'])
  assert.equal(store.size, 0)
})

test('without fetch keepalive, a page hidden then shown sends what it stored meanwhile', async () => {
  withoutKeepalive()
  const store = fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  page.hide()
  assert.deepEqual(storedFeatures(store), ['web.one'])
  page.show()
  await exporter.flush()
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
  assert.equal(store.size, 0)
})

test('without fetch keepalive and without storage, pagehide still sends (it may arrive)', async () => {
  withoutKeepalive()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...quiet, storage: null, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  page.pagehide()
  await sleep(10)
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
})

await run()
