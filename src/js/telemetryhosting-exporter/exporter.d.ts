/**
 * The event shape the exporter sends: @sourcegraph/telemetry's `TelemetryEventInput` (declared here structurally, so
 * that this package depends on nothing; the library's own type is assignable to it).
 */
export interface TelemetryEventInputLike {
    feature: string;
    action: string;
    source: { client: string; clientVersion?: string | null };
    parameters: {
        version: number;
        interactionID?: string | null;
        metadata?: ReadonlyArray<{ key: string; value: unknown }> | null;
        privateMetadata?: unknown;
        billingMetadata?: { product: string; category: string } | null;
    };
    marketingTracking?: { [key: string]: string | null | undefined } | null;
    /** RFC 3339; the exporter sets the time it received the event when there is none. */
    timestamp?: string | null;
}

/** Options of {@link TelemetryHostingExporter}; every one has a default. */
export interface TelemetryHostingExporterOptions {
    /** The client event endpoint (`MapTelemetryEvents`). Default `'/api/telemetry'`. */
    url?: string;
    /**
     * Extra request headers: an object, or a function called before each request that returns them (or a promise of
     * them), for example `() => ({ Authorization: 'Bearer ' + currentToken() })`, so that a refreshed token is used.
     * On page close the headers of the last request are used: nothing asynchronous runs reliably then.
     */
    headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
    /**
     * How long the `headers` function's promise is awaited, in ms; past it (or when the function fails) the failure goes
     * to `onError` and the request is sent with the last headers. Default 10000.
     */
    headersTimeoutMs?: number;
    /** `fetch`'s credentials mode: cookies go with same-origin requests. Default `'same-origin'`. */
    credentials?: RequestCredentials;
    /** How long events wait in the buffer before a batch is sent, in ms. Default 1000. */
    flushIntervalMs?: number;
    /** The most events in one request; keep it at most the endpoint's `MaxEventsPerRequest`. Default 100. */
    maxBatchEvents?: number;
    /** The largest request body, in bytes; keep it at most the endpoint's `MaxBodyBytes` and half the keepalive budget. Default 32768. */
    maxBatchBytes?: number;
    /** The bytes of keepalive request bodies the browser lets be in flight at once (all of the page's together). Default 65536. */
    keepaliveBudgetBytes?: number;
    /** The most events buffered (and kept in storage); past it the oldest are dropped and counted. Default 1000. */
    maxBufferedEvents?: number;
    /** The first retry's delay, in ms; it doubles with each failed attempt, with jitter. Default 1000. */
    retryBaseMs?: number;
    /** The longest delay between retries, in ms. Default 30000. No wait, this one or a `Retry-After`, is longer than an hour. */
    retryMaxMs?: number;
    /** How long a request may take before it is abandoned and retried, in ms (not for page-close requests). Default 30000. */
    requestTimeoutMs?: number;
    /** Where events that can't be sent when the page closes wait for the next page of this origin. Default `'localStorage'`; `null`: they are dropped. */
    storage?: 'localStorage' | 'sessionStorage' | null;
    /** Called for every failure, retry and drop. Default: `console.warn`. */
    onError?: (message: string, detail?: unknown) => void;
    /** The fetch function. Default: the global `fetch`. */
    fetch?: typeof fetch;
}

/** Counts since the exporter started, and what it holds now. */
export interface TelemetryHostingExporterStats {
    /** Events the endpoint accepted. */
    sent: number;
    /** Events put back in the buffer after a failed attempt (network error, 5xx, 408, 401, 429), once per attempt. */
    retried: number;
    /** Events dropped because the buffer (or storage) was full or storage failed. */
    dropped: number;
    /** Events the endpoint refused (400, 413, other 4xx), or that were too large or not JSON; never resent. */
    refused: number;
    /** Events written to storage for a later page. */
    stored: number;
    /** Events read back from storage that earlier pages left. */
    restored: number;
    /** Events buffered now. */
    pending: number;
    /** Bytes of keepalive request bodies in flight now. */
    inFlightBytes: number;
    /** Events this page holds in storage now (while hidden). */
    storedNow: number;
}

/**
 * A `TelemetryExporter` for `@sourcegraph/telemetry`'s `TelemetryRecorderProvider` that posts events to a
 * TelemetryHosting client event endpoint. It batches events itself (give the provider `bufferTimeMs: 0`), sends every
 * request with `keepalive`, flushes on `pagehide` and when the page is hidden, retries network errors, 5xx, 401 and
 * 429 (after `Retry-After`) with capped, jittered backoff, and never resends after 400 or 413.
 */
export declare class TelemetryHostingExporter {
    constructor(options?: TelemetryHostingExporterOptions);
    /** Buffers the events; never rejects. */
    exportEvents(events: TelemetryEventInputLike[]): Promise<void>;
    /** Sends what is buffered now; resolves (never rejects) when nothing is buffered or sending waits for a retry. */
    flush(): Promise<void>;
    /** Counts since the exporter started, and what it holds now. */
    readonly stats: TelemetryHostingExporterStats;
    /** Sends (or stores) what is buffered, as on page close, and removes the exporter's listeners and timer. */
    dispose(): void;
}
