// The exporter's storage: what a hidden or closed page keeps for the next page of the origin.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, fakePage, fakeStorage, quiet, run, sleep, status, storedFeatures, test } from './support.mjs'

test('a hidden page that stores again does not rewrite events another page already claimed and sent', async () => {
  const store = fakeStorage()
  const sent = endpoint()
  const rateLimited = endpoint(() => status(429, { 'Retry-After': '60' }))

  // Tab 1: rate limited, then hidden (dispose() does what pagehide does): its event is stored under its key.
  const tab1 = new TelemetryHostingExporter({ ...quiet, fetch: rateLimited.fetch })
  await tab1.exportEvents([event('web.one')])
  await tab1.flush()
  await sleep(50)
  tab1.dispose()
  assert.deepEqual(storedFeatures(store), ['web.one'])
  assert.equal(tab1.stats.storedNow, 1)

  // Tab 2 opens: it claims tab 1's key and sends web.one.
  const tab2 = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await tab2.flush()
  assert.deepEqual(sent.delivered, ['web.one'])

  // Tab 1, still hidden (and within its Retry-After), records one more event: only that one is stored.
  await tab1.exportEvents([event('web.two')])
  assert.deepEqual(storedFeatures(store), ['web.two'], 'what tab 1 stores after tab 2 took its key')
  assert.equal(tab1.stats.storedNow, 1)

  // The next page sends what tab 1 stored.
  const tab3 = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await tab3.flush()
  assert.deepEqual(sent.delivered, ['web.one', 'web.two'], 'every event delivered once')
  for (const exporter of [tab2, tab3]) exporter.dispose()
})

// keepaliveBudgetBytes: 10 leaves no room for any event on page close: everything is stored.
const nothingFits = { ...quiet, keepaliveBudgetBytes: 10 }

test('a hidden page stores what it records after what it already stored, and takes it all back when shown', async () => {
  const store = fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...nothingFits, fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  page.hide()
  await exporter.exportEvents([event('web.two')])
  assert.deepEqual(storedFeatures(store), ['web.one', 'web.two'])
  assert.equal(exporter.stats.storedNow, 2)
  page.show()
  assert.equal(store.size, 0, 'the shown page took its key back')
  await exporter.flush()
  exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one', 'web.two'])
})

test('storage holds at most maxBufferedEvents, the oldest dropped and counted', async () => {
  const store = fakeStorage()
  const page = fakePage()
  const exporter = new TelemetryHostingExporter({ ...nothingFits, maxBufferedEvents: 3, fetch: endpoint().fetch })
  page.hide()
  await exporter.exportEvents([event('web.one'), event('web.two')])
  await exporter.exportEvents([event('web.three'), event('web.four')])
  assert.deepEqual(storedFeatures(store), ['web.two', 'web.three', 'web.four'])
  assert.deepEqual({ stored: exporter.stats.stored, dropped: exporter.stats.dropped }, { stored: 4, dropped: 1 })
  exporter.dispose()
})

test('a page shown again after another page took its stored events does not send them again', async () => {
  fakeStorage()
  const page = fakePage()
  const sent = endpoint()
  const tab1 = new TelemetryHostingExporter({ ...nothingFits, fetch: sent.fetch })
  await tab1.exportEvents([event('web.one')])
  page.hide()
  const tab2 = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await tab2.flush()
  page.show()
  await tab1.flush()
  for (const exporter of [tab1, tab2]) exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one'])
})

test('the next page sends what a closed page stored, first, and only once', async () => {
  const store = fakeStorage()
  const sent = endpoint()
  const closed = new TelemetryHostingExporter({ ...nothingFits, fetch: sent.fetch })
  await closed.exportEvents([event('web.one')])
  closed.dispose()
  const next = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await next.exportEvents([event('web.two')])
  await next.flush()
  const after = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await after.flush()
  for (const exporter of [next, after]) exporter.dispose()
  assert.deepEqual(sent.delivered, ['web.one', 'web.two'])
  assert.equal(next.stats.restored, 1)
  assert.equal(store.size, 0)
})

await run()
