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

for (const retryAfter of ['2200000', new Date(Date.now() + 30 * 86400000).toUTCString()]) { // 25.5 days; 30 days
  test(`a Retry-After past setTimeout's 2^31-1 ms (${retryAfter}) waits an hour, without a busy timer loop`, async () => {
    const rateLimited = endpoint(() => status(429, { 'Retry-After': retryAfter }))
    const delays = await countingTimers(async () => {
      const exporter = new TelemetryHostingExporter({ ...quiet, fetch: rateLimited.fetch })
      await exporter.exportEvents([event('web.one')])
      await exporter.flush() // 429: resolves with the retry pending
      await sleep(300)
      exporter.dispose()
    })
    const waits = delays.filter(ms => ms > 1000)
    assert.ok(delays.length <= 6, `${delays.length} timers armed (${delays.slice(0, 10).join(', ')}, ...) in about 300 ms: a busy loop`)
    assert.equal(rateLimited.requests.length, 1, 'sent again before Retry-After')
    assert.ok(waits.length > 0 && waits.every(ms => ms > 3500000 && ms <= 3600000), `the waits armed: ${waits.join(', ')} ms (an hour expected)`)
  })
}

test('a retryMaxMs past 2^31-1 ms waits at most an hour', async () => {
  const unavailable = endpoint(() => status(503))
  const delays = await countingTimers(async () => {
    const exporter = new TelemetryHostingExporter({ ...quiet, fetch: unavailable.fetch, retryBaseMs: 2 ** 32, retryMaxMs: 2 ** 40 })
    await exporter.exportEvents([event('web.one')])
    await exporter.flush()
    await sleep(100)
    exporter.dispose()
  })
  assert.equal(unavailable.requests.length, 1, 'retried at once')
  assert.ok(delays.every(ms => ms <= 3600000), `delays armed: ${delays.slice(0, 10).join(', ')}, ...`)
})

await run()
