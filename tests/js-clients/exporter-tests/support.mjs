// Shared by the exporter's Node tests (each *.test.mjs beside this file is one area; run one with
// `node tests/js-clients/exporter-tests/<area>.test.mjs`, every one through ExporterNodeTests in
// TelemetryHosting.AspNetCore.Tests). A fake localStorage, a fake page (pagehide, visibilitychange, pageshow), fake
// endpoints for `fetch`, and a tiny runner: each case runs in turn, a failure is printed with its case's name, and the
// script exits 1 when any case failed.
export { TelemetryHostingExporter } from '../../../src/js/telemetryhosting-exporter/exporter.js'

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
export const event = feature => ({ feature, action: 'view', source: { client: 'web' }, parameters: { version: 0 } })
export const quiet = { onError: () => {} }

/** A fresh, empty localStorage (a Map behind Storage's methods); the exporter finds it as globalThis.localStorage. */
export function fakeStorage() {
  const store = new Map()
  globalThis.localStorage = {
    get length() { return store.size },
    key: i => [...store.keys()][i] ?? null,
    getItem: k => store.get(k) ?? null,
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: k => store.delete(k),
  }
  return store
}

/** The features of the events held in storage now, all keys together. */
export function storedFeatures(store) {
  return [...store.values()].flatMap(text => JSON.parse(text).events.map(json => JSON.parse(json).feature))
}

/**
 * A fake endpoint for the exporter's `fetch` option: `answer(init)` returns the Response (or throws); every request's
 * event features are in `delivered` (in the order sent), and each request's init in `requests`.
 */
export function endpoint(answer = () => accepted()) {
  const delivered = []
  const requests = []
  const fetch = async (url, init) => {
    requests.push(init)
    const response = await answer(init)
    delivered.push(...JSON.parse(init.body).events.map(e => e.feature))
    return response
  }
  return { fetch, delivered, requests }
}

export const accepted = () => new Response('{"accepted":1,"dropped":0}', { status: 202 })
export const status = (code, headers = {}) => new Response('{}', { status: code, headers })

/**
 * A fake page: the global addEventListener/removeEventListener and document.visibilityState the exporter listens
 * through (removed after each case). Create it before the exporter; `hide()`, `show()` and `pagehide()` fire what a
 * browser fires.
 */
export function fakePage() {
  const target = new EventTarget()
  globalThis.addEventListener = target.addEventListener.bind(target)
  globalThis.removeEventListener = target.removeEventListener.bind(target)
  globalThis.document = { visibilityState: 'visible' }
  const fire = (type, props = {}) => target.dispatchEvent(Object.assign(new Event(type), props))
  return {
    hide() { document.visibilityState = 'hidden'; fire('visibilitychange') },
    show() { document.visibilityState = 'visible'; fire('visibilitychange') },
    pagehide() { fire('pagehide', { persisted: false }) },
  }
}

/** A browser without fetch keepalive (Firefox before 133): a Request without the property, until the case ends. */
export function withoutKeepalive() {
  globalThis.Request = class Request {}
}

const cases = []
const nodeRequest = globalThis.Request
const runnerSetTimeout = setTimeout // the runner's own timer, not counted by a case that replaces setTimeout

/** Declares a case; `run()` runs them in order. */
export function test(name, fn) {
  cases.push({ name, fn })
}

/** Runs the cases one after another (each bounded by timeoutMs), prints one line each, and exits 1 on any failure. */
export async function run({ timeoutMs = 10000 } = {}) {
  const unhandled = []
  process.on('unhandledRejection', error => unhandled.push(error))
  let failed = 0
  for (const { name, fn } of cases) {
    unhandled.length = 0
    let timer
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => { timer = runnerSetTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs) }),
      ])
      await sleep(0)
      if (unhandled.length > 0) throw new Error('an unhandled rejection: ' + (unhandled[0]?.stack ?? unhandled[0]))
      console.log(`ok   ${name}`)
    } catch (error) {
      failed++
      console.log(`FAIL ${name}\n     ${String(error?.stack ?? error).replaceAll('\n', '\n     ')}`)
    } finally {
      clearTimeout(timer)
      for (const name of ['localStorage', 'document', 'addEventListener', 'removeEventListener']) delete globalThis[name]
      globalThis.Request = nodeRequest
    }
  }
  console.log(`${cases.length - failed} of ${cases.length} cases passed`)
  process.exit(failed > 0 ? 1 : 0)
}
