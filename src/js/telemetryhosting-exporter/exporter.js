// TelemetryHosting's browser exporter: a TelemetryExporter for @sourcegraph/telemetry's TelemetryRecorderProvider
// that posts the TelemetryEventInput objects it gets, as they are, to a TelemetryHosting client event endpoint
// (MapTelemetryEvents). No dependencies. Documentation: docs/client-events.md, "The browser exporter".
//
// Delivery in one sentence: events wait in a bounded buffer (oldest dropped first, counted) and go out in batches,
// one request at a time, each with keepalive so that it survives the page; when the page is hidden or closed, what is
// left goes out at once in keepalive requests that fit the browser's 64 KiB keepalive budget, and what doesn't fit
// is kept in localStorage and sent by the next page of this origin that loads the exporter (in a browser without
// fetch keepalive, all of it is kept).

const defaults = {
  url: '/api/telemetry',
  headers: undefined, // an object, or a function returning one (or a promise of one), called before each request
  headersTimeoutMs: 10000, // how long a headers function's promise is awaited; then the last headers are used
  credentials: 'same-origin',
  flushIntervalMs: 1000,
  maxBatchEvents: 100, // the endpoint's MaxEventsPerRequest
  maxBatchBytes: 32 * 1024, // half the keepalive budget, so a request in flight leaves room for a page-close flush
  keepaliveBudgetBytes: 64 * 1024, // the browser's budget for all keepalive bodies in flight together
  maxBufferedEvents: 1000,
  retryBaseMs: 1000,
  retryMaxMs: 30000,
  requestTimeoutMs: 30000,
  storage: 'localStorage', // 'localStorage', 'sessionStorage', or null: no storage, events that don't fit are dropped
  onError: (message, detail) => console.warn('telemetryhosting-exporter: ' + message, detail ?? ''),
  fetch: undefined,
}

const encoder = new TextEncoder()
const envelopeBytes = '{"events":[]}'.length
const storagePrefix = 'telemetryhosting-exporter:'
const maxDelayMs = 60 * 60 * 1000 // the longest wait (a far Retry-After): setTimeout fires at once past 2^31-1 ms

/** Posts TelemetryEventInput objects to a TelemetryHosting client event endpoint. */
export class TelemetryHostingExporter {
  #o
  #buffer = [] // { json, bytes }, oldest first
  #key
  #keepalive = typeof Request === 'function' && 'keepalive' in Request.prototype // Firefox has it since 133
  #timer = null
  #timerDue = 0
  #sending = false
  #waiting = null // the batch taken from the buffer while the headers for its request are awaited
  #hidden = false
  #attempt = 0
  #notBefore = 0
  #inflightBytes = 0
  #headers = {}
  #idle = []
  #stats = { sent: 0, retried: 0, dropped: 0, refused: 0, stored: 0, restored: 0 }
  #listeners = []

  constructor(options = {}) {
    this.#o = { ...defaults, ...options }
    this.#key = storagePrefix + this.#o.url + ':' + Math.random().toString(36).slice(2)
    if (typeof this.#o.headers === 'object' && this.#o.headers) this.#headers = { ...this.#o.headers }
    if (typeof addEventListener === 'function' && typeof document === 'object') {
      this.#listen('pagehide', () => this.#hide())
      this.#listen('pageshow', e => e.persisted && this.#show())
      this.#listen('visibilitychange', () => (document.visibilityState === 'hidden' ? this.#hide() : this.#show()))
    }
    this.#restore()
  }

  /** Buffers the events; never rejects. Called by TelemetryRecorderProvider. */
  exportEvents(events) {
    const now = new Date().toISOString()
    for (const event of events) {
      let json
      try {
        // A timestamp when the event has none, so that an event sent late (after a retry, or from storage) keeps its time.
        json = JSON.stringify(event.timestamp ? event : { ...event, timestamp: now })
      } catch (error) {
        this.#refuse(event, 'it cannot be written as JSON', error)
        continue
      }
      const bytes = encoder.encode(json).length
      if (bytes + envelopeBytes > this.#o.maxBatchBytes) this.#refuse(event, `its ${bytes} bytes are more than maxBatchBytes (${this.#o.maxBatchBytes})`)
      else this.#buffer.push({ json, bytes })
    }
    this.#trim()
    if (this.#hidden) this.#closeFlush()
    else this.#schedule(this.#buffer.length >= this.#o.maxBatchEvents ? 0 : this.#o.flushIntervalMs)
    return Promise.resolve()
  }

  /** Sends what is buffered now, without waiting for the flush interval; resolves (never rejects) when nothing is buffered or sending waits for a retry. */
  flush() {
    if (this.#hidden) this.#closeFlush()
    if (this.#hidden || (this.#buffer.length === 0 && !this.#sending)) return Promise.resolve()
    const idle = new Promise(resolve => this.#idle.push(resolve))
    this.#schedule(0)
    return idle
  }

  /** Counts since this exporter started: events sent (accepted by the endpoint), retried (put back after a failed attempt), dropped (the buffer or storage was full), refused (by the endpoint, or too large), stored (kept for a later page), restored (read back from storage); pending and stored now. */
  get stats() {
    return { ...this.#stats, pending: this.#buffer.length, inFlightBytes: this.#inflightBytes, storedNow: this.#read(this.#key).length }
  }

  /** Stops the exporter: what is buffered is sent (or stored) as on page close, listeners and timer removed. */
  dispose() {
    this.#closeFlush()
    for (const [type, listener] of this.#listeners) removeEventListener(type, listener)
    this.#listeners = []
    this.#clearTimer()
  }

  #listen(type, listener) {
    addEventListener(type, listener)
    this.#listeners.push([type, listener])
  }

  #schedule(delayMs) {
    if (this.#hidden) return
    const due = Math.max(Date.now() + delayMs, this.#notBefore)
    if (this.#timer !== null && this.#timerDue <= due) return
    this.#clearTimer()
    this.#timerDue = due
    this.#timer = setTimeout(() => { this.#timer = null; this.#pump() }, Math.min(due - Date.now(), maxDelayMs))
  }

  #clearTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  // One request at a time while the page is visible; its answer schedules the next one.
  async #pump() {
    if (this.#sending || this.#hidden) return
    if (Date.now() < this.#notBefore) {
      this.#settleIdle()
      return this.#schedule(0)
    }
    const batch = this.#take(this.#o.maxBatchBytes)
    if (batch.length === 0) return this.#settleIdle()
    this.#sending = true
    this.#waiting = batch
    try {
      this.#headers = (await this.#resolveHeaders()) ?? this.#headers
      // Unless the page was hidden meanwhile: then #closeFlush took the batch back (and sent or stored it).
      if (this.#waiting === batch) {
        this.#waiting = null
        await this.#send(batch, false)
      }
    } finally {
      this.#sending = false
    }
    if (this.#hidden) return this.#closeFlush()
    if (this.#buffer.length === 0 || Date.now() < this.#notBefore) this.#settleIdle()
    if (this.#buffer.length > 0) this.#schedule(this.#idle.length > 0 || this.#buffer.length >= this.#o.maxBatchEvents ? 0 : this.#o.flushIntervalMs)
  }

  #settleIdle() {
    for (const resolve of this.#idle.splice(0)) resolve()
  }

  // The headers function's answer; null (the last headers are used) when it fails or doesn't answer in time.
  async #resolveHeaders() {
    if (typeof this.#o.headers !== 'function') return { ...this.#o.headers }
    let timer
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#o.headersTimeoutMs} ms`)), this.#o.headersTimeoutMs)
    })
    try {
      return { ...(await Promise.race([this.#o.headers(), timeout])) }
    } catch (error) {
      this.#report('the headers function failed; sending with the last headers', error)
      return null
    } finally {
      clearTimeout(timer)
    }
  }

  // The page is hidden or closing: its last chance. Send what fits the keepalive budget now (with the last headers:
  // nothing asynchronous runs reliably after pagehide) unless a retry is due later; keep the rest in storage.
  // A browser without keepalive cancels the page's requests when it unloads: there everything is kept in storage
  // (sent when this page is shown again, or by the next page), unless there is no storage.
  #closeFlush() {
    this.#hidden = true
    this.#clearTimer()
    if (this.#waiting) this.#buffer.unshift(...this.#waiting)
    this.#waiting = null
    if (Date.now() >= this.#notBefore && (this.#keepalive || !this.#storage())) {
      while (this.#buffer.length > 0) {
        const room = Math.min(this.#o.maxBatchBytes, this.#o.keepaliveBudgetBytes - this.#inflightBytes)
        const batch = this.#take(room)
        if (batch.length === 0) break
        this.#send(batch, true)
      }
    }
    if (this.#buffer.length > 0) this.#persist()
    this.#settleIdle()
  }

  #hide() {
    if (!this.#hidden) this.#closeFlush()
  }

  // Visible again (another tab, or back from the back/forward cache): what this page stored comes back, unless
  // another page of the origin already took it.
  #show() {
    if (!this.#hidden) return
    this.#hidden = false
    const mine = this.#claim(this.#key)
    this.#buffer.unshift(...mine)
    this.#trim()
    if (this.#buffer.length > 0) this.#schedule(0)
  }

  #take(maxBytes) {
    let bytes = envelopeBytes
    let count = 0
    for (const item of this.#buffer) {
      if (count === this.#o.maxBatchEvents || bytes + item.bytes + (count > 0 ? 1 : 0) > maxBytes) break
      bytes += item.bytes + (count > 0 ? 1 : 0)
      count++
    }
    return this.#buffer.splice(0, count)
  }

  async #send(batch, closing) {
    const body = '{"events":[' + batch.map(item => item.json).join(',') + ']}'
    const bytes = encoder.encode(body).length
    this.#inflightBytes += bytes
    let response
    try {
      response = await (this.#o.fetch ?? fetch)(this.#o.url, {
        method: 'POST',
        body,
        keepalive: true,
        credentials: this.#o.credentials,
        headers: { ...this.#headers, 'Content-Type': 'application/json' },
        signal: closing || typeof AbortSignal.timeout !== 'function' ? undefined : AbortSignal.timeout(this.#o.requestTimeoutMs),
      })
    } catch (error) {
      this.#retry(batch, this.#backoff(), 'the request failed (network); retrying', error)
      return
    } finally {
      this.#inflightBytes -= bytes
    }
    const answer = await response.json().catch(() => ({}))
    const status = response.status
    if (response.ok) {
      this.#attempt = 0
      this.#stats.sent += batch.length
    } else if (status === 429) {
      const after = response.headers.get('Retry-After') ?? ''
      const ms = /^\d+$/.test(after) ? Number(after) * 1000 : Date.parse(after) - Date.now()
      this.#retry(batch, ms >= 0 ? ms : this.#backoff(), `rate limited (429, Retry-After: ${after}); retrying then`)
    } else if (status >= 500 || status === 408 || status === 401) {
      // 401: nothing was recorded, and the headers function may bring a fresh token by the next attempt.
      this.#retry(batch, this.#backoff(), `the endpoint answered ${status}; retrying`, answer)
    } else {
      // 400: the valid events were recorded (accepted), only those listed in errors were not; 413 and other 4xx:
      // nothing was recorded, and sending the same request again would be refused again. Never resent.
      const accepted = status === 400 && Number.isInteger(answer.accepted) ? answer.accepted : 0
      this.#stats.sent += accepted
      this.#stats.refused += batch.length - accepted
      this.#report(`the endpoint refused ${batch.length - accepted} of ${batch.length} events (${status}); not resent`, answer)
    }
  }

  #retry(batch, delayMs, message, detail) {
    this.#notBefore = Math.max(this.#notBefore, Date.now() + Math.min(delayMs, maxDelayMs))
    this.#stats.retried += batch.length
    this.#buffer.unshift(...batch)
    this.#trim()
    this.#report(message, detail)
    if (this.#hidden) this.#persist() // the answer came while the page is hidden: keep the batch for later
  }

  // onError is the user's: whatever it does (throws), the exporter carries on.
  #report(message, detail) {
    try {
      this.#o.onError(message, detail)
    } catch {
      // nothing to report it to
    }
  }

  #refuse(event, why, detail) {
    this.#stats.refused++
    this.#report(`the event ${event?.feature}/${event?.action} is not sent: ${why}`, detail)
  }

  // Capped exponential backoff with jitter: between half and all of min(max, base * 2^attempt).
  #backoff() {
    const ceiling = Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** Math.min(this.#attempt++, 20))
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  #trim() {
    const over = this.#buffer.length - this.#o.maxBufferedEvents
    if (over > 0) {
      this.#buffer.splice(0, over)
      this.#stats.dropped += over
      this.#report(`the buffer is full (${this.#o.maxBufferedEvents} events); dropped the ${over} oldest`)
    }
  }

  #storage() {
    try {
      return this.#o.storage ? globalThis[this.#o.storage] ?? null : null
    } catch {
      return null // storage denied (a sandboxed frame, cookies blocked)
    }
  }

  // Moves the buffer into this page's storage key, after what the key holds now, dropping the oldest past
  // maxBufferedEvents. What it holds now, not what this page last wrote: another page may have claimed the key (and
  // sent its events) since.
  #persist() {
    const items = this.#buffer.splice(0)
    const storage = this.#storage()
    try {
      if (!storage) throw new Error('no storage')
      const kept = this.#read(this.#key).concat(items)
      const over = Math.max(0, kept.length - this.#o.maxBufferedEvents)
      storage.setItem(this.#key, JSON.stringify({ savedAt: Date.now(), events: kept.slice(over).map(item => item.json) }))
      this.#stats.stored += items.length
      this.#stats.dropped += over
    } catch (error) {
      this.#stats.dropped += items.length
      this.#report(`${items.length} events could not be kept for a later page (${error.message}); dropped`, error)
    }
  }

  // What earlier pages of this origin left for this endpoint goes first.
  #restore() {
    const storage = this.#storage()
    if (!storage) return
    const keys = []
    try {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)
        if (key?.startsWith(storagePrefix + this.#o.url + ':') && key !== this.#key) keys.push(key)
      }
    } catch {
      return
    }
    for (const key of keys) {
      const items = this.#claim(key)
      this.#stats.restored += items.length
      this.#buffer.push(...items)
    }
    this.#trim()
    if (this.#buffer.length > 0) this.#schedule(0)
  }

  // The events a storage key holds: none when it is gone (claimed) or unreadable.
  #read(key) {
    try {
      const text = this.#storage()?.getItem(key)
      return text ? JSON.parse(text).events.map(json => ({ json, bytes: encoder.encode(json).length })) : []
    } catch {
      return []
    }
  }

  // Reads and removes a storage key at once, so that no other page sends the same events.
  #claim(key) {
    const items = this.#read(key)
    try {
      this.#storage()?.removeItem(key)
      return items
    } catch {
      return []
    }
  }
}
