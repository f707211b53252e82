import type { MqttClient } from 'mqtt';
import { AssetStatusSchema, type AssetStatus } from '../../contract/status';
import { connectSourceClient, type SourceConnectionCounters } from './sourceClient';
import { TOPIC_ROOT, idProblem } from './topics';

/** What the share has seen, for the status line of the scale-out link. */
export interface StatusShareCounters extends SourceConnectionCounters {
  published: number;
  received: number;
  /** Messages that were not an asset status of this site (bad JSON, failed the schema). */
  refused: number;
}

/** Options of `StatusShare.start`. */
export interface StatusShareOptions {
  url: string;
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  site: string;
  engineId: string;
  clientId?: string;
  clock?: () => number;
  log?: (line: string) => void;
}

interface Shared {
  engineId: string;
  atMs: number;
  status: AssetStatus;
}

/** `vigil/v1/<site>/<asset>/status`. */
function statusTopic(site: string, assetId: string): string {
  return `${TOPIC_ROOT}/${site}/${assetId}/status`;
}

/**
 * Every console of a scale-out group sees the whole plant: each engine publishes the live status
 * of the assets it runs (retained, so a console that starts sees them at once; QoS 0, because
 * the next one follows within a second), and takes the others' from the broker. A status is only
 * shown for the engine that holds the asset's lease now, and only while it is fresh: a retained
 * status of an engine that died must not look like a machine that is being watched.
 */
export class StatusShare {
  readonly #client: MqttClient;
  readonly #o: StatusShareOptions;
  readonly #latest = new Map<string, Shared>();
  readonly #c: StatusShareCounters = { connected: false, connects: 0, disconnects: 0, reconnectAttempts: 0, published: 0, received: 0, refused: 0 };

  private constructor(o: StatusShareOptions) {
    const problem = idProblem(o.site);
    if (problem) throw new Error(`site ${JSON.stringify(o.site)} ${problem}`);
    this.#o = o;
    this.#client = connectSourceClient({ ...o, clientId: o.clientId ?? `vigil-status-${o.engineId}`, filters: [`${TOPIC_ROOT}/${o.site}/+/status`], label: 'status share' }, this.#c);
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload));
  }

  /** Starts connecting and returns at once; statuses flow once the broker is there. */
  static start(o: StatusShareOptions): StatusShare {
    return new StatusShare(o);
  }

  /** Publishes the statuses of the assets this engine runs (dropped, not queued, while disconnected). */
  publish(statuses: readonly AssetStatus[]): void {
    if (!this.#c.connected) return;
    const atMs = (this.#o.clock ?? Date.now)();
    for (const status of statuses) {
      const message: Shared = { engineId: this.#o.engineId, atMs, status };
      this.#client.publish(statusTopic(this.#o.site, status.assetId), JSON.stringify(message), { qos: 0, retain: true });
      this.#c.published++;
    }
  }

  /** The latest status `engineId` published for `assetId`, if it is at most `maxAgeMs` old. */
  from(engineId: string, assetId: string, nowMs: number, maxAgeMs: number): AssetStatus | null {
    const s = this.#latest.get(assetId);
    return s && s.engineId === engineId && nowMs - s.atMs <= maxAgeMs ? s.status : null;
  }

  counters(): StatusShareCounters {
    return { ...this.#c };
  }

  dispose(): Promise<void> {
    this.#client.removeAllListeners('message');
    return new Promise((resolve) => this.#client.end(true, {}, () => resolve()));
  }

  #onMessage(topic: string, payload: Buffer): void {
    this.#c.received++;
    const assetId = topic.split('/')[3];
    let parsed: Shared | null = null;
    try {
      const raw = JSON.parse(payload.toString('utf8')) as Partial<Shared>;
      const status = AssetStatusSchema.safeParse(raw.status);
      if (status.success && typeof raw.engineId === 'string' && typeof raw.atMs === 'number' && Number.isFinite(raw.atMs) && status.data.assetId === assetId) {
        parsed = { engineId: raw.engineId, atMs: raw.atMs, status: status.data };
      }
    } catch {
      parsed = null;
    }
    if (!parsed || assetId === undefined) {
      this.#c.refused++;
      return;
    }
    this.#latest.set(assetId, parsed);
  }
}
