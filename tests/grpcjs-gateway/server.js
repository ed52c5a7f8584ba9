'use strict';

// A second Telemetry Gateway for tests, built on grpc-js (Node) instead of ASP.NET Core, with fault injection.
//
// grpc-js ends calls differently from Kestrel: a handler that fails at once answers with a trailers-only response
// and never resets the HTTP/2 stream or reads the request body, so a client still writing waits for flow-control
// credit. The library must survive that too; the development gateway cannot show it.
//
//   node server.js [--port N] [--control-port N]
//
// Prints one JSON line on stdout once both ports listen: {"grpcPort":N,"controlPort":N}. Loopback only.
// Exits when its standard input closes, so a test process that dies takes the gateway with it.
//
// Control API (HTTP/1, JSON, on the control port):
//   GET    /state          counts: streams, events received / distinct / duplicates, faults armed and taken
//   GET    /events         every event received, in order, duplicates included: [{id, feature, action, metadata}]
//   DELETE /events         forgets the received events
//   POST   /faults         arms a fault (body below); faults are taken by new RecordEvents streams in arming order
//   POST   /reset          removes every fault (received events are kept)
//   POST   /grpc/stop      stops the gRPC server at once (connections closed), the control API stays up
//   POST   /grpc/start     starts it again on the same port
//
// POST /faults bodies ("streams": how many streams take the fault; absent = every stream until reset):
//   {"kind":"refuse", "streams":N, "code":14}             fail with UNAVAILABLE (or code) before reading anything
//   {"kind":"never-read", "streams":N}                    accept the stream, never read it, never answer
//   {"kind":"abort", "streams":N, "accept":true, "ack":false}
//                                                         cut the TCP connection on the first events payload
//   {"kind":"slow", "streams":N, "delayMs":1000}          delay each response
//   {"kind":"goaway", "streams":N, "graceMs":200}         send GOAWAY on the first events payload, close after grace
//   {"kind":"unprocessed", "streams":N, "graceMs":200}    GOAWAY saying no stream was processed (last stream id 0)
//                                                         once the metadata arrived, nothing answered; close after grace
//   {"kind":"reject", "fraction":0.1, "seed":42}          leave that fraction of events out of the responses (per
//                                                         id and attempt, reproducible), not a stream fault

const crypto = require('node:crypto');
const http = require('node:http');
const http2 = require('node:http2');
const path = require('node:path');

// The raw TCP sockets and HTTP/2 sessions of the gRPC server, by the client's port, so that a fault can cut or
// GOAWAY the connection a call came on. grpc-js creates its http2 server itself and does not expose it, so its
// creation is observed here through Node's public http2 API (grpc-js calls http2.createServer at bind time).
const sockets = new Map();
const sessions = new Map();
const createServer = http2.createServer;
http2.createServer = function observedCreateServer(...args) {
  const server = createServer.apply(this, args);
  server.on('connection', socket => {
    const port = socket.remotePort;
    sockets.set(port, socket);
    socket.on('close', () => sockets.delete(port));
  });
  server.on('session', session => {
    const port = session.socket.remotePort;
    sessions.set(port, session);
    session.on('close', () => sessions.delete(port));
  });
  return server;
};

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const HOST = '127.0.0.1';

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const definition = protoLoader.loadSync(
  path.join(__dirname, '..', '..', 'protos', 'telemetrygateway', 'v1', 'telemetrygateway.proto'),
  { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true });
// The misspelled service name is the real one (docs/gateway-contract.md, "Service").
const service = grpc.loadPackageDefinition(definition).telemetrygateway.v1.TelemeteryGatewayService.service;

// ---- What the gateway received --------------------------------------------------------------------------------

let received = [];            // every event, duplicates included
let receivedIds = new Set();
let duplicates = 0;
let rejected = 0;
const streams = { started: 0, active: 0, completed: 0 };

function store(event) {
  if (receivedIds.has(event.id)) {
    duplicates++;
  } else {
    receivedIds.add(event.id);
  }

  received.push({
    id: event.id,
    feature: event.feature,
    action: event.action,
    metadata: (event.parameters && event.parameters.metadata) || {},
  });
}

// ---- Faults ---------------------------------------------------------------------------------------------------

const STREAM_FAULTS = ['refuse', 'never-read', 'abort', 'slow', 'goaway', 'unprocessed'];
let armed = [];               // [{kind, remaining, ...options}], taken in this order
let taken = {};               // kind -> how many streams took it
let reject = null;            // {fraction, seed}
const attempts = new Map();   // id -> attempts rolled, so a retried id gets a fresh (reproducible) roll
const neverRead = new Set();  // calls held open by never-read

function arm(body) {
  if (body.kind === 'reject') {
    const fraction = Number(body.fraction);
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new Error('fraction must be between 0 and 1');
    }

    reject = { fraction, seed: Number(body.seed || 0) };
    attempts.clear();
    return;
  }

  if (!STREAM_FAULTS.includes(body.kind)) {
    throw new Error(`unknown fault kind '${body.kind}'; expected one of ${[...STREAM_FAULTS, 'reject'].join(', ')}`);
  }

  const remaining = body.streams === undefined || body.streams === null ? Infinity : Number(body.streams);
  if (!(remaining >= 0)) {
    throw new Error('streams must be a number of streams, 0 or more');
  }

  armed.push({ ...body, remaining });
}

function takeStreamFault() {
  const fault = armed.find(f => f.remaining > 0);
  if (!fault) {
    return null;
  }

  fault.remaining--;
  taken[fault.kind] = (taken[fault.kind] || 0) + 1;
  return fault;
}

function resetFaults() {
  armed = [];
  taken = {};
  reject = null;
  attempts.clear();
}

// A uniform number in [0, 1) from (seed, id, attempt).
function roll(seed, id, attempt) {
  const hash = crypto.createHash('sha256').update(`${seed}:${id}:${attempt}`).digest();
  return hash.readUIntBE(0, 6) / 2 ** 48;
}

function shouldReject(id) {
  if (!reject || reject.fraction === 0) {
    return false;
  }

  const attempt = attempts.get(id) || 0;
  attempts.set(id, attempt + 1);
  return roll(reject.seed, id, attempt) < reject.fraction;
}

// ---- The service ----------------------------------------------------------------------------------------------

function clientPort(call) {
  const peer = call.getPeer();
  return Number(peer.slice(peer.lastIndexOf(':') + 1));
}

function failure(code, details) {
  return { code, details };
}

// Publishes one payload the way the real gateway does: an event that fails is left out of succeeded_events.
function publish(events) {
  const succeeded = [];
  for (const event of events || []) {
    if (!event.id) {
      continue;
    }

    if (shouldReject(event.id)) {
      rejected++;
      continue;
    }

    store(event);
    succeeded.push(event.id);
  }

  return { succeeded_events: succeeded };
}

function recordEvents(call) {
  streams.started++;
  streams.active++;
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      streams.active--;
      streams.completed++;
    }
  };
  call.on('finish', finish);
  call.on('cancelled', finish);
  call.on('close', finish);

  const fault = takeStreamFault();
  if (fault && fault.kind === 'refuse') {
    // What a grpc-js service does when its handler fails before looking at the request (an overloaded backend, a
    // failed dependency check): a trailers-only response with END_STREAM, no RST_STREAM, and the request body
    // never read, so the client's stream window is never replenished.
    call.emit('error', failure(fault.code || grpc.status.UNAVAILABLE, 'refused at once (grpc-js gateway fault injection)'));
    return;
  }

  if (fault && fault.kind === 'unprocessed') {
    // A server or load balancer closing a connection that tells the client its newest streams were never processed
    // (GOAWAY with a last stream id below theirs), so the client may send them again on a new connection: HTTP
    // clients may replay such a request by themselves. Sent once the stream's first message (its metadata) has
    // arrived, while the client is still writing the rest; nothing is answered.
    neverRead.add(call);
    call.on('cancelled', () => neverRead.delete(call));
    call.once('data', () => {
      const session = sessions.get(clientPort(call));
      if (session && !session.closed) {
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0);
        const timer = setTimeout(() => session.destroy(), fault.graceMs === undefined ? 200 : Number(fault.graceMs));
        timer.unref();
      }
    });
    return;
  }

  if (fault && fault.kind === 'never-read') {
    // A server that accepted the stream and then hangs (a deadlocked handler): no read, no response, no status.
    neverRead.add(call);
    call.on('cancelled', () => neverRead.delete(call));
    return;
  }

  let metadata = null;
  let firstPayload = true;
  let failed = false;
  // Payloads are answered one at a time, in order; the status follows the last answer.
  let answered = Promise.resolve();

  const fail = (code, details) => {
    if (!failed) {
      failed = true;
      call.emit('error', failure(code, details));
    }
  };

  call.on('data', request => {
    if (failed) {
      return;
    }

    if (request.payload === 'metadata') {
      if (metadata) {
        fail(grpc.status.INVALID_ARGUMENT, 'received metadata more than once');
        return;
      }

      const identifier = request.metadata.identifier;
      if (!identifier || !identifier.identifier) {
        fail(grpc.status.UNIMPLEMENTED, 'unsupported identifier type');
        return;
      }

      if (identifier.identifier === 'managed_service' && !identifier.managed_service.service_id) {
        fail(grpc.status.INVALID_ARGUMENT, 'service_id is required for managed services');
        return;
      }

      // No SAMS token check: this gateway has no SAMS (the library sends no token to a loopback gateway).
      metadata = request.metadata;
      return;
    }

    if (request.payload !== 'events') {
      return;
    }

    if (!metadata) {
      fail(grpc.status.INVALID_ARGUMENT, 'got events when metadata not yet received');
      return;
    }

    const events = request.events.events || [];
    const first = firstPayload;
    firstPayload = false;

    if (first && fault && fault.kind === 'abort') {
      // A crashed gateway process or a load balancer dropping the connection in the middle of a stream: the TCP
      // connection is reset (RST), no GOAWAY, no status. With "accept" the events were published first, and with
      // "ack" the client was even told so before the cut (accepted but unacknowledged events come back as duplicates).
      const response = fault.accept ? publish(events) : null;
      const cut = () => {
        const socket = sockets.get(clientPort(call));
        if (socket) {
          socket.resetAndDestroy();
        }
      };
      if (response && fault.ack) {
        call.write(response, cut);
      } else {
        cut();
      }

      failed = true;
      return;
    }

    if (first && fault && fault.kind === 'goaway') {
      // A gateway being drained (a deploy, or grpc-js's own max_connection_age): GOAWAY while this stream is open,
      // which still completes if it can within the grace period; then the connection is closed.
      const session = sessions.get(clientPort(call));
      if (session && !session.closed) {
        session.close();
        const timer = setTimeout(() => session.destroy(), fault.graceMs === undefined ? 200 : Number(fault.graceMs));
        timer.unref();
      }
    }

    const response = publish(events);
    const delay = fault && fault.kind === 'slow' ? Number(fault.delayMs || 0) : 0;
    answered = answered.then(() => new Promise(resolve => {
      // A slow gateway (an overloaded backend): the events are published at once, the answer comes late.
      const send = () => {
        if (!failed && !call.cancelled) {
          call.write(response);
        }

        resolve();
      };
      if (delay > 0) {
        setTimeout(send, delay);
      } else {
        send();
      }
    }));
  });

  call.on('end', () => {
    answered.then(() => {
      if (!failed && !call.cancelled) {
        call.end();
      }
    });
  });

  call.on('error', () => {
    failed = true;
  });
}

function recordEvent(call, callback) {
  const request = call.request;
  if (!request.event) {
    callback(failure(grpc.status.INVALID_ARGUMENT, 'event is required'));
    return;
  }

  const identifier = request.metadata && request.metadata.identifier;
  if (!identifier || identifier.identifier !== 'managed_service') {
    callback(failure(grpc.status.UNIMPLEMENTED, 'unsupported identifier type'));
    return;
  }

  if (!identifier.managed_service.service_id) {
    callback(failure(grpc.status.INVALID_ARGUMENT, 'service_id is required for managed services'));
    return;
  }

  const response = publish([request.event]);
  if (response.succeeded_events.length === 0) {
    callback(failure(grpc.status.INTERNAL, 'failed to publish event: injected failure (grpc-js gateway fault injection)'));
    return;
  }

  callback(null, {});
}

// ---- Servers --------------------------------------------------------------------------------------------------

let grpcServer = null;
let grpcPort = argument('--port', 0);

function startGrpc() {
  return new Promise((resolve, reject) => {
    const server = new grpc.Server();
    server.addService(service, { RecordEvents: recordEvents, RecordEvent: recordEvent });
    server.bindAsync(`${HOST}:${grpcPort}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
        return;
      }

      grpcPort = port;
      grpcServer = server;
      resolve(port);
    });
  });
}

function stopGrpc() {
  if (grpcServer) {
    grpcServer.forceShutdown();
    grpcServer = null;
  }

  neverRead.clear();
}

function state() {
  return {
    grpcPort,
    listening: grpcServer !== null,
    streams,
    connections: sockets.size,
    events: { received: received.length, distinct: receivedIds.size, duplicates, rejected },
    faults: armed.filter(f => f.remaining > 0).map(f => ({ ...f, remaining: f.remaining === Infinity ? 'until reset' : f.remaining })),
    pending: armed.reduce((sum, f) => sum + (f.remaining === Infinity ? 0 : f.remaining), 0),
    taken,
    reject,
  };
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', chunk => { text += chunk; });
    request.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', reject);
  });
}

async function control(request, response) {
  const route = `${request.method} ${request.url}`;
  switch (route) {
    case 'GET /state':
      return state();
    case 'GET /events':
      return received;
    case 'DELETE /events':
      received = [];
      receivedIds = new Set();
      duplicates = 0;
      rejected = 0;
      return state();
    case 'POST /faults':
      arm(await readBody(request));
      return state();
    case 'POST /reset':
      resetFaults();
      return state();
    case 'POST /grpc/stop':
      stopGrpc();
      return state();
    case 'POST /grpc/start':
      if (!grpcServer) {
        await startGrpc();
      }

      return state();
    default:
      response.statusCode = 404;
      return { error: `no route ${route}` };
  }
}

const controlServer = http.createServer((request, response) => {
  control(request, response)
    .catch(error => {
      response.statusCode = 400;
      return { error: error.message };
    })
    .then(body => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    });
});

async function main() {
  await startGrpc();
  await new Promise(resolve => controlServer.listen(argument('--control-port', 0), HOST, resolve));
  process.stdout.write(JSON.stringify({ grpcPort, controlPort: controlServer.address().port }) + '\n');

  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

main().catch(error => {
  process.stderr.write(`grpc-js gateway failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
