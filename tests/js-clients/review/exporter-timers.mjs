// Review reproductions (node tests/js-clients/review/exporter-timers.mjs; exits 1 on a bug).
import assert from 'node:assert/strict'
import { TelemetryHostingExporter } from '../../../src/js/telemetryhosting-exporter/exporter.js'

const event = feature => ({ feature, action: 'view', source: { client: 'web' }, parameters: { version: 0 } })
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const failures = []

// 1. A Retry-After past setTimeout's 2^31-1 ms: the timer fires at once, #pump sees notBefore ahead and re-arms: a busy loop.
{
  let timers = 0
  const realSetTimeout = globalThis.setTimeout
  process.removeAllListeners('warning')
  process.on('warning', () => {})
  globalThis.setTimeout = (fn, ms, ...rest) => { timers++; return realSetTimeout(fn, ms, ...rest) }
  const exporter = new TelemetryHostingExporter({
    onError: () => {},
    fetch: async () => new Response('{}', { status: 429, headers: { 'Retry-After': '2200000' } }), // 25.5 days
  })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  const before = timers
  await sleep(300)
  const armed = timers - before
  globalThis.setTimeout = realSetTimeout
  exporter.dispose()
  console.log(`1. timers armed in 300 ms while waiting for Retry-After: ${armed}`)
  if (armed > 5) failures.push(`Retry-After of 25 days: ${armed} timers in 300 ms (busy loop)`)
}

// 2. A headers function that never settles (a token refresh that hangs): nothing is ever sent while the page is
// visible, and every flush() promise waits forever (and is kept: #idle grows).
{
  let requests = 0
  const exporter = new TelemetryHostingExporter({
    onError: () => {},
    headers: () => new Promise(() => {}),
    fetch: async () => { requests++; return new Response('{"accepted":1,"dropped":0}', { status: 202 }) },
  })
  await exporter.exportEvents([event('web.one')])
  const settled = await Promise.race([exporter.flush().then(() => true), sleep(1500).then(() => false)])
  console.log(`2. headers never settle: flush settled=${settled}, requests=${requests}, pending=${exporter.stats.pending}`)
  if (!settled || requests === 0) failures.push('a headers function that never settles stops the exporter for the life of the page')
}

// 3. onError that throws (a user callback): exportEvents throws instead of resolving, and a hidden page's failed batch
// is neither retried nor stored.
{
  const exporter = new TelemetryHostingExporter({ onError: () => { throw new Error('callback bug') }, maxBatchBytes: 100 })
  let threw = false
  try { await exporter.exportEvents([{ ...event('web.big'), parameters: { version: 0, privateMetadata: { s: 'x'.repeat(200) } } }]) } catch { threw = true }
  console.log(`3. onError throws: exportEvents threw=${threw}`)
  if (threw) failures.push('exportEvents rejects/throws when onError throws (documented: never rejects)')
  exporter.dispose()
}

if (failures.length > 0) {
  console.error('FAILURES:\n- ' + failures.join('\n- '))
  process.exit(1)
}
