#!/usr/bin/env node
// Records a known set of events with the REAL @sourcegraph/telemetry (TelemetryRecorderProvider, buffered, with its
// billing, timestamp and marketing tracking processors) and exports them to the client event endpoint in one of the
// request shapes Sourcegraph's clients use. Prints one JSON summary on stdout: every event as it was sent, every
// request with its status and body. Used by ClientEventNodeRecorderTests; can also be run by hand:
//
//   node tests/js-clients/node-recorder.js --url http://127.0.0.1:5000/api/telemetry \
//     --header 'X-Sample-User: 0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f' --shape events
//
// Shapes:
//   events        POST {"events": [TelemetryEventInput...]}, unchanged.
//   graphql-web   as Sourcegraph's web app (ApolloTelemetryExporter through Apollo Client's HttpLink): URL
//                 ?ExportTelemetryEvents, body {operationName, variables, query}, the query as Apollo prints it
//                 (its cache adds __typename to every selection set below the root).
//   graphql-plain the mutation ExportTelemetryEvents exactly as written in Sourcegraph's source, with operationName
//                 and no URL suffix (what a client sends without Apollo's __typename).
//   graphql-cody  as Cody (SourcegraphGraphQLAPIClient.recordTelemetryEvents): URL ?RecordTelemetryEvents, body
//                 {query, variables} without operationName, Content-Type application/json; charset=utf-8, and a
//                 traceparent header (Cody adds its active span's).
'use strict';

const { TelemetryRecorderProvider, BillingMetadataTelemetryProcessor, MarketingTrackingTelemetryProcessor } =
    require('@sourcegraph/telemetry');
// 0.18.0's processors index does not re-export the timestamp processor: it is only reachable by its own path.
const { TimestampTelemetryProcessor } = require('@sourcegraph/telemetry/dist/processors/timestamp');

const SHAPES = ['events', 'graphql-web', 'graphql-plain', 'graphql-cody'];

// The query texts, written here the way each client puts them on the wire.
const APOLLO_PRINTED_EXPORT_MUTATION =
    'mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) {\n' +
    '  telemetry {\n' +
    '    recordEvents(events: $events) {\n' +
    '      alwaysNil\n' +
    '      __typename\n' +
    '    }\n' +
    '    __typename\n' +
    '  }\n' +
    '}';
const PLAIN_EXPORT_MUTATION =
    'mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }';
const CODY_RECORD_MUTATION =
    '\nmutation RecordTelemetryEvents($events: [TelemetryEventInput!]!) {\n' +
    '\ttelemetry {\n' +
    '\t\trecordEvents(events: $events) {\n' +
    '\t\t\talwaysNil\n' +
    '\t\t}\n' +
    '\t}\n' +
    '}\n';

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function parseArgs(argv) {
    const args = { headers: {}, count: 50, requestTimeoutMs: 10000 };
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i];
        const value = argv[++i];
        if (value === undefined) {
            throw new Error(`${name} needs a value`);
        }
        switch (name) {
            case '--url': args.url = value; break;
            case '--shape': args.shape = value; break;
            case '--count': args.count = Number(value); break;
            case '--request-timeout-ms': args.requestTimeoutMs = Number(value); break;
            case '--header': {
                const colon = value.indexOf(':');
                if (colon <= 0) throw new Error(`--header wants 'Name: value', got '${value}'`);
                args.headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
                break;
            }
            default: throw new Error(`unknown argument ${name}`);
        }
    }
    if (!args.url) throw new Error('--url is required');
    if (!SHAPES.includes(args.shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
    if (!(args.count >= 1 && args.count <= 1000)) throw new Error('--count must be 1..1000');
    return args;
}

// Feature names allow letters, dashes and dots only, so the shape and the event's index are spelled in letters.
function featureFor(shape) {
    return 'jsClient.' + shape.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function letters(n) {
    let s = '';
    do {
        s = String.fromCharCode(65 + (n % 26)) + s;
        n = Math.floor(n / 26) - 1;
    } while (n >= 0);
    return s;
}

function sourceFor(shape) {
    switch (shape) {
        case 'events': return { client: 'node.telemetry', clientVersion: '0.18.0' };
        case 'graphql-web': return { client: 'server.web', clientVersion: '6.1.1234' };
        case 'graphql-plain': return { client: 'jetbrains.cody', clientVersion: '7.0.0-rc.1+build.5' };
        // Cody without a version: the event's client version must stay unset.
        case 'graphql-cody': return { client: 'VSCode.Cody' };
    }
}

// What each event is about. Indexes modulo 10 pick a kind; a few indexes are the intended refusals.
const KIND = {
    0: 'noParameters',
    1: 'falsyMetadata',
    2: 'interactionId',
    3: 'privateObject',
    4: 'billing',
    5: 'privateScalar',
    6: 'duplicateKeys',
    7: 'marketingOnly',
    8: 'floats',
    9: 'everything',
};

const REFUSALS = {
    17: 'invalid feature (set by a processor after the library validated it)',
    23: 'interactionID with a space',
    33: 'interactionID longer than 128 characters',
    29: 'metadata value true (the library turns false into 0 but passes true through)',
};

function parametersFor(i, shape) {
    const kind = KIND[i % 10];
    switch (kind) {
        case 'noParameters':
            return undefined;
        case 'falsyMetadata':
            // `value || 0` in the library: each of these must arrive as 0.
            return {
                version: 1,
                metadata: { seq: i, zeroFalse: false, zeroNull: null, zeroNaN: NaN, zeroUndefined: undefined, zeroEmpty: '', zero: 0, negative: -7 },
            };
        case 'interactionId':
            return { version: 2, interactionID: `param-${shape}-${i}_a.b:c`, metadata: { seq: i } };
        case 'privateObject':
            return {
                version: 3,
                metadata: { seq: i },
                privateMetadata: { query: 'repo:^github\\.com/sourcegraph/ grpc', nested: { list: [1, 'two', true, null, { deep: 2.5 }], empty: {} }, unicode: 'é ✓ 😀', flag: false, nothing: null },
            };
        case 'billing':
            return { version: 4, metadata: { seq: i }, billingMetadata: { product: 'cody', category: 'core' } };
        case 'privateScalar':
            // Typed as an object, but JavaScript callers pass what they like: the endpoint wraps it as {"value": v}.
            return { version: 5, metadata: { seq: i }, privateMetadata: `plain string ${i}` };
        case 'duplicateKeys':
            // A processor appends a second "dup" entry: the last one wins.
            return { version: 6, metadata: { seq: i, dup: 1 } };
        case 'marketingOnly':
            return { metadata: { seq: i } };
        case 'floats':
            return { version: 8, metadata: { seq: i, ratio: 0.125, big: 9007199254740991, tiny: 5e-324, negativeFloat: -1.5e10 } };
        case 'everything':
            return {
                version: 9,
                interactionID: `everything-${i}`,
                metadata: { seq: i, count: i * 3 },
                privateMetadata: { index: i, shape },
                billingMetadata: { product: 'code-search', category: 'billable' },
            };
    }
}

function marketingFor(i) {
    switch (i % 3) {
        case 0:
            return {
                url: `https://sourcegraph.com/search?q=${i}`,
                firstSourceURL: 'https://sourcegraph.com/?utm_source=first',
                cohortID: 'cohort-a',
                referrer: 'https://www.google.com/',
                lastSourceURL: 'https://sourcegraph.com/pricing',
                deviceSessionID: `device-session-${i}`,
                sessionReferrer: 'https://news.ycombinator.com/',
                sessionFirstURL: 'https://sourcegraph.com/blog',
            };
        case 1:
            // Partial, as the web app sends when it knows only some: nulls and missing fields stay unset.
            return { url: `https://sourcegraph.com/docs/${i}`, cohortID: null, referrer: null };
        default:
            return null;
    }
}

function sleep(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
}

// Builds the HTTP request each shape sends for a batch.
function requestFor(shape, url, events) {
    switch (shape) {
        case 'events':
            return { url, contentType: 'application/json', body: { events } };
        case 'graphql-web':
            return {
                url: `${url}?ExportTelemetryEvents`,
                contentType: 'application/json',
                body: { operationName: 'ExportTelemetryEvents', variables: { events }, query: APOLLO_PRINTED_EXPORT_MUTATION },
            };
        case 'graphql-plain':
            return {
                url,
                contentType: 'application/json',
                body: { query: PLAIN_EXPORT_MUTATION, variables: { events }, operationName: 'ExportTelemetryEvents' },
            };
        case 'graphql-cody':
            return {
                url: `${url}?RecordTelemetryEvents`,
                contentType: 'application/json; charset=utf-8',
                body: { query: CODY_RECORD_MUTATION, variables: { events } },
            };
    }
}

class EndpointExporter {
    constructor(args) {
        this.args = args;
        this.requests = [];
        this.inFlight = new Set();
    }

    exportEvents(events) {
        const promise = this.send(events);
        this.inFlight.add(promise);
        return promise.finally(() => this.inFlight.delete(promise));
    }

    async send(events) {
        const number = this.requests.length;
        const id = `${this.args.shape}-${number}`;
        const request = requestFor(this.args.shape, this.args.url, events);
        const headers = { 'Content-Type': request.contentType, 'X-Test-Request': id, ...this.args.headers };
        // Every other request carries an interaction id header: events without their own take it.
        const interactionHeader = number % 2 === 0 ? `header-${id}` : null;
        if (interactionHeader) headers['X-Sourcegraph-Interaction-ID'] = interactionHeader;
        const traceparent = this.args.shape === 'graphql-cody' ? `00-${CALLER_TRACE_ID}-${(number + 1).toString(16).padStart(16, '0')}-01` : null;
        if (traceparent) headers.traceparent = traceparent;
        const body = JSON.stringify(request.body);
        const record = {
            id,
            url: request.url,
            interactionHeader,
            traceparent,
            events: events.map(e => e.action),
            status: null,
            elapsedMs: null,
            body: null,
            error: null,
        };
        this.requests.push(record);
        const startedAt = performance.now();
        try {
            const response = await fetch(request.url, {
                method: 'POST',
                headers,
                body,
                signal: AbortSignal.timeout(this.args.requestTimeoutMs),
            });
            record.status = response.status;
            const text = await response.text();
            record.elapsedMs = Math.round(performance.now() - startedAt);
            try {
                record.body = JSON.parse(text);
            } catch {
                record.body = text;
            }
        } catch (error) {
            record.error = String(error);
        }
    }

    async drain(deadline) {
        while (this.inFlight.size > 0) {
            const remaining = deadline - Date.now();
            if (remaining <= 0) throw new Error(`${this.inFlight.size} request(s) still in flight at the deadline`);
            await Promise.race([Promise.allSettled([...this.inFlight]), sleep(remaining)]);
        }
    }
}

async function main() {
    const mainAtMs = Math.round(process.uptime() * 1000);
    const args = parseArgs(process.argv.slice(2));
    const exporter = new EndpointExporter(args);
    const errors = [];
    const sent = new Map();

    // Client timestamps: whole milliseconds in the recent past; event 13 is two days old (outside the endpoint's
    // window: it gets the service's time) and event 14 ten minutes ahead (also outside).
    const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    let current = 0;
    const timestampFor = i => (i === 13 ? base - 2 * 24 * 3600_000 : i === 14 ? base + 70_000 + 10 * 60_000 : base - i * 1001);

    const provider = new TelemetryRecorderProvider(
        sourceFor(args.shape),
        exporter,
        [
            new BillingMetadataTelemetryProcessor({ product: 'telemetry-hosting', category: 'test' }),
            new TimestampTelemetryProcessor({ now: () => new Date(timestampFor(current)) }),
            new MarketingTrackingTelemetryProcessor({ getMarketingTrackingMetadata: () => marketingFor(current) }),
        ],
        { bufferTimeMs: 50, bufferMaxSize: 10, errorHandler: error => errors.push(String(error)) },
    );
    // Runs after the provider's processors, on the event as it will be exported. Keeps a copy of each event as sent.
    const recorder = provider.getRecorder([
        {
            processEvent(event) {
                if (current === 17) event.feature = 'Invalid Feature';
                if (current === 23) event.parameters.interactionID = 'has space';
                if (current === 33) event.parameters.interactionID = 'x'.repeat(129);
                if (current === 29) event.parameters.metadata.push({ key: 'flag', value: true });
                if (KIND[current % 10] === 'duplicateKeys') event.parameters.metadata.push({ key: 'dup', value: 2 });
            },
        },
        { processEvent: event => sent.set(event.action, { index: current, event }) },
    ]);

    // Recorded in groups with pauses, so batches are flushed both by size (10) and by the 50 ms timer.
    const feature = featureFor(args.shape);
    const groups = [10, 7, 3, 10, 12, 8];
    let i = 0;
    for (let g = 0; i < args.count; g++) {
        const size = groups[g % groups.length];
        for (let k = 0; k < size && i < args.count; k++, i++) {
            current = i;
            recorder.recordEvent(feature, `event${letters(i)}`, parametersFor(i, args.shape));
        }
        await sleep(80);
    }
    provider.unsubscribe();
    await exporter.drain(Date.now() + args.requestTimeoutMs + 1000);

    const events = [...sent.values()]
        .sort((a, b) => a.index - b.index)
        .map(({ index, event }) => ({
            index,
            kind: KIND[index % 10],
            refusal: REFUSALS[index] ?? null,
            // The event as JSON puts it on the wire (undefined members dropped, NaN as null).
            sent: JSON.parse(JSON.stringify(event)),
        }));
    const summary = {
        shape: args.shape,
        feature,
        library: require('@sourcegraph/telemetry/package.json').version,
        node: process.version,
        callerTraceId: args.shape === 'graphql-cody' ? CALLER_TRACE_ID : null,
        recorded: events.length,
        // Milliseconds since the process started: when main() ran and when everything was sent and answered.
        timings: { mainAtMs, doneAtMs: Math.round(process.uptime() * 1000) },
        events,
        requests: exporter.requests,
        errors,
    };
    // Exits once the summary is written: fetch's idle keep-alive connections must not hold the process open.
    process.stdout.write(JSON.stringify(summary) + '\n', () => process.exit(0));
}

main().catch(error => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
});
