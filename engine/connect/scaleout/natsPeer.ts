import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startPeer, type LocalPeer } from '../localPeer';

/** Where Debian installs nats-server (its sbin is not on every PATH); null when it is not installed. */
export const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? null;

/** A running nats-server and where its JetStream keeps its files. */
export interface NatsPeer extends LocalPeer {
  /** `nats://127.0.0.1:<port>`. */
  url: string;
  /**
   * JetStream's store directory. To restart a server with its buckets, pass your own `storeDir`
   * to the first start too: one this function created is removed when that server exits.
   */
  storeDir: string;
}

/**
 * A real nats-server with JetStream on a loopback port, for the scale-out tests and bench (the same
 * program a plant runs, from Debian's `nats-server` package). `port` and `storeDir` restart one
 * where a stopped one was, keeping its buckets, as an outage test needs; a store directory this
 * function created itself is removed when the server exits, one passed in is left to the caller.
 * Throws if nats-server is not installed.
 */
export async function startNatsServer(o: { port?: number; storeDir?: string } = {}): Promise<NatsPeer> {
  if (!NATS_SERVER) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const port = o.port ?? (await freePort());
  const storeDir = o.storeDir ?? mkdtempSync(join(tmpdir(), 'vigil-nats-'));
  const cleanup = o.storeDir ? undefined : () => rmSync(storeDir, { recursive: true, force: true });
  const peer = await startPeer(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], port, cleanup ? { cleanup } : {});
  return { ...peer, url: `nats://127.0.0.1:${port}`, storeDir };
}
