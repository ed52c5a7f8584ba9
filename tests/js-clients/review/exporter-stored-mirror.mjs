// Review reproduction (node tests/js-clients/review/exporter-stored-mirror.mjs; exits 1 on the bug).
// A hidden page's #stored mirror rewrites events that another page already claimed and sent: they are sent twice.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter } from '../../../src/js/telemetryhosting-exporter/exporter.js'

const store = new Map()
globalThis.localStorage = {
  get length() { return store.size },
  key: i => [...store.keys()][i] ?? null,
  getItem: k => store.get(k) ?? null,
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: k => store.delete(k),
}

const delivered = []
const ok = async (url, init) => { delivered.push(...JSON.parse(init.body).events.map(e => e.feature)); return new Response('{"accepted":1,"dropped":0}', { status: 202 }) }
const rateLimited = async () => new Response('{}', { status: 429, headers: { 'Retry-After': '60' } })
const event = feature => ({ feature, action: 'view', source: { client: 'web' }, parameters: { version: 0 } })
const quiet = { onError: () => {} }

// Tab 1: rate limited, then hidden (dispose() does what pagehide does): its event is stored under its key.
const tab1 = new TelemetryHostingExporter({ ...quiet, fetch: rateLimited })
await tab1.exportEvents([event('web.one')])
await tab1.flush()
await new Promise(resolve => setTimeout(resolve, 50))
tab1.dispose()
assert.equal(tab1.stats.storedNow, 1)

// Tab 2 opens: it claims tab 1's key and sends web.one.
const tab2 = new TelemetryHostingExporter({ ...quiet, fetch: ok })
await tab2.flush()
assert.deepEqual(delivered, ['web.one'])

// Tab 1, still hidden (and still within its Retry-After), records one more event: it is stored with its stale mirror.
await tab1.exportEvents([event('web.two')])

// The next page sends what tab 1 stored.
const tab3 = new TelemetryHostingExporter({ ...quiet, fetch: ok })
await tab3.flush()
console.log('delivered:', delivered)
assert.deepEqual(delivered, ['web.one', 'web.two'], 'web.one was delivered twice')
