// The exporter's timers: retries and Retry-After.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, quiet, run, sleep, status, test } from './support.mjs'

// Counts the timers armed (and their delays) while fn runs.
async function countingTimers(fn) {
  const realSetTimeout = globalThis.setTimeout
  const delays = []
  globalThis.setTimeout = (callback, ms, ...rest) => { delays.push(ms); return realSetTimeout(callback, ms, ...rest) }
  process.removeAllListeners('warning') // Node warns about delays past 2^31-1 ms
  process.on('warning', () => {})
  try {
    await fn()
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
  return delays
}

test('a Retry-After past setTimeout\'s 2^31-1 ms does not make a busy timer loop', async () => {
  const rateLimited = endpoint(() => status(429, { 'Retry-After': '2200000' })) // 25.5 days
  const exporter = new TelemetryHostingExporter({ ...quiet, fetch: rateLimited.fetch })
  await exporter.exportEvents([event('web.one')])
  await exporter.flush()
  const delays = await countingTimers(() => sleep(300))
  exporter.dispose()
  assert.ok(delays.length <= 5, `${delays.length} timers armed in 300 ms while waiting for Retry-After (a busy loop)`)
})

await run()
