import { Aedes } from 'aedes';
import { createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The embedded MQTT broker's thread (aedes, MQTT 3.1.1) on a loopback port: the demo plant's
 * frames go through a real broker with no external service, and routing them never runs on the
 * engine's thread. Started by `EmbeddedBroker.start`.
 */
const port = parentPort!;
const { listenPort } = workerData as { listenPort: number };
const broker = await Aedes.createBroker();
const server = createServer((socket) => {
  socket.setNoDelay(true);
  broker.handle(socket);
});
server.on('error', (err) => port.postMessage({ kind: 'failed', message: err.message }));
server.listen(listenPort, '127.0.0.1', () => {
  const a = server.address();
  port.postMessage({ kind: 'listening', port: typeof a === 'object' && a ? a.port : 0 });
});
port.on('message', (m: unknown) => {
  if (m !== 'close') return;
  server.close();
  broker.close(() => {
    port.postMessage({ kind: 'closed' });
    process.exit(0);
  });
});
