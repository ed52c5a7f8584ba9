// The exporter's storage: what a hidden or closed page keeps for the next page of the origin.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, accepted, endpoint, event, fakeStorage, quiet, run, sleep, status, storedFeatures, test } from './support.mjs'

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
  assert.equal(tab1.stats.storedNow, 0, 'tab 1 holds nothing in storage once tab 2 took it')

  // Tab 1, still hidden (and within its Retry-After), records one more event: only that one is stored.
  await tab1.exportEvents([event('web.two')])
  assert.deepEqual(storedFeatures(store), ['web.two'], 'what tab 1 stores after tab 2 took its key')

  // The next page sends what tab 1 stored.
  const tab3 = new TelemetryHostingExporter({ ...quiet, fetch: sent.fetch })
  await tab3.flush()
  assert.deepEqual(sent.delivered, ['web.one', 'web.two'], 'every event delivered once')
  for (const exporter of [tab2, tab3]) exporter.dispose()
})

await run()
