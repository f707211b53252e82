import { parentPort, workerData } from 'node:worker_threads';
import { Eventually } from '../Eventually';
import { MqttSession } from '../mqtt/output/MqttSession';
import { EventOutbox, type OutboxItem } from './EventOutbox';
import type { EventForwarderCounters, EventForwarderWorkerData, FromForwarder, ToForwarder } from './eventForwarderProtocol';

/**
 * The event forwarder's thread: it owns the outbox file and the broker connection, so neither a
 * disk write nor a slow broker ever runs on the engine thread. Events are written to the outbox
 * as they arrive and sent in order (QoS 1) whenever the broker is there; an event leaves the outbox
 * only once the broker confirmed it, so an outage or a restart forwards what was waiting, in order,
 * after reconnection. Delivery is at least once: a PUBACK lost with the connection sends that event
 * again, and consumers drop repeats by `eventId`. Started by `EventForwarder`.
 */
const port = parentPort;
if (!port) throw new Error('eventForwarderWorker.ts is a worker thread entry: start it with EventForwarder');
const data = workerData as EventForwarderWorkerData;
const post = (m: FromForwarder): void => port.postMessage(m);
const outbox = new EventOutbox(data.outboxPath, { maxQueued: data.maxQueued });
const BATCH = 64;
let forwarded = 0;
let failedPublishes = 0;
let draining: Promise<void> | null = null;
let closing = false;

const link = new Eventually(
  async () => {
    const session = await MqttSession.open({ url: data.url, clientId: data.clientId, backoff: data.backoff, ...(data.login ? { login: data.login } : {}) });
    return { session, dispose: () => session.close('graceful') };
  },
  ({ session }) => {
    post({ kind: 'log', line: `events: connected to ${data.url}; ${outbox.counters().queued} waiting in the outbox` });
    session.onReady(() => void drain());
    void drain();
  },
  data.backoff.firstDelayMs,
  data.backoff.maxDelayMs,
);

function publish(session: MqttSession, item: OutboxItem): Promise<void> {
  return new Promise((resolve, reject) => {
    session.client.publish(item.topic, item.payload, { qos: 1, properties: { contentType: 'application/json', payloadFormatIndicator: true } }, (err) => (err ? reject(err) : resolve()));
  });
}

/** Sends what waits, oldest first, a batch at a time, until the outbox is empty or the broker goes. */
function drain(): Promise<void> {
  draining ??= sendWaiting()
    .catch((err: unknown) => post({ kind: 'log', line: `events: forwarding stopped: ${err instanceof Error ? err.message : String(err)}; tried again in 1 s` }))
    .finally(() => (draining = null));
  return draining;
}

async function sendWaiting(): Promise<void> {
  for (;;) {
    const session = link.current?.session;
    if (!session?.ready || closing) return;
    const batch = outbox.peek(BATCH);
    if (batch.length === 0) return;
    const results = await Promise.allSettled(batch.map((i) => publish(session, i)));
    const done = batch.filter((_, k) => results[k]!.status === 'fulfilled').map((i) => i.seq);
    outbox.remove(done);
    forwarded += done.length;
    if (done.length < batch.length) {
      failedPublishes += batch.length - done.length;
      return;
    }
  }
}

function counters(): EventForwarderCounters {
  const session = link.current?.session;
  return { ...outbox.counters(), connected: session?.ready ?? false, forwarded, failedPublishes, reconnects: session?.stats().reconnects ?? 0 };
}

// A drain that stopped on a failed publish is tried again here, besides on every reconnection.
const retry = setInterval(() => void drain(), 1000);
port.on('message', (m: ToForwarder) => {
  switch (m.kind) {
    case 'events': {
      const dropped = outbox.add(m.items);
      if (dropped > 0) post({ kind: 'log', line: `events: outbox full (${data.maxQueued}): the ${dropped} oldest deleted unforwarded` });
      void drain();
      break;
    }
    case 'counters':
      post({ kind: 'counters', seq: m.seq, counters: counters() });
      break;
    case 'close':
      closing = true;
      clearInterval(retry);
      // Closing the connection settles the publishes in flight; the outbox closes after the drain has recorded them.
      void link.dispose().then(() => draining).finally(() => {
        outbox.close();
        post({ kind: 'closed' });
        port.close();
        process.exit(0);
      });
      break;
  }
});
post({ kind: 'ready' });
