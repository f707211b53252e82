import type { PlantConfig } from '../config/plant/plantConfigSchema';
import { StatusShare } from '../connect/mqtt/StatusShare';
import { mqttLoginOf, mqttSourceOf } from '../connect/plantMqtt';
import type { RunningSource } from '../connect/plantSources';
import { AssetLeases } from '../connect/scaleout/AssetLeases';
import { connectNats } from '../connect/scaleout/natsKv';
import { TripLedger } from '../connect/scaleout/TripLedger';
import type { ConnectionStatus } from '../contract/status';
import type { Engine } from '../engine';

/** This engine's part of a scale-out group, running. */
export interface PlantScaleout {
  /** Whether this engine runs `assetId` now (its lease is live and not past its deadline). */
  holds(assetId: string): boolean;
  /** The engine running `assetId` (null: none now), for every console's view of the whole plant. */
  holderOf(assetId: string): string | null;
  status(): ConnectionStatus;
  stop(): Promise<void>;
}

/** What the scale-out wiring needs from the console. */
export interface PlantScaleoutOptions {
  engine: Engine;
  sources: readonly RunningSource[];
  engineId: string;
  log: (line: string) => void;
  /** How long to wait for NATS at start (default 10 s). */
  connectTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** How often this engine publishes the status of the assets it runs (default 500 ms). */
  shareEveryMs?: number;
}

/** How long to wait before asking the trip ledger again when it could not answer. */
const LEDGER_RETRY_MS = 1000;

/**
 * Joins the plant's scale-out group (`scaleout` in the plant file): this engine runs the assets
 * whose leases it holds (`AssetLeases`), and only those.
 * - On acquiring an asset it first asks the trip ledger whether the asset's last owner tripped it;
 *   if so the asset latches here on that trip (`Engine.adoptLatch`), sending nothing again. Only
 *   then are the asset's data followed, so no window is scored before the latch is known. If the
 *   ledger cannot answer, the asset is not followed yet and the question is asked again.
 * - On losing it, its data are unfollowed at once.
 * - Protection trips of assets this engine does not hold are refused by the caller's actuator
 *   gate (`holds`): a window still in flight when the lease went must not trip what another
 *   engine now runs. Operator stops always go out.
 * - Every trip is written to the ledger after it was commanded (never before: the trip path does
 *   not wait for NATS); an engineer's reset clears it.
 * Fails to start, with the reason, when NATS cannot be reached: a console of a scale-out group that
 * could not hold leases would run nothing.
 */
export async function startPlantScaleout(config: PlantConfig, scaleout: NonNullable<PlantConfig['scaleout']>, o: PlantScaleoutOptions): Promise<PlantScaleout> {
  const { engine, engineId, log } = o;
  const connection = await withTimeout(connectNats({ servers: scaleout.nats, name: `vigil-${engineId}` }), o.connectTimeoutMs ?? 10_000, `cannot reach NATS at ${scaleout.nats.join(', ')} (scale-out leases)`);
  let ledger: TripLedger;
  try {
    ledger = await TripLedger.open({ connection, site: config.site, engineId, log });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const following = new Set<string>();
  const retries = new Map<string, ReturnType<typeof setTimeout>>();
  let leases: AssetLeases | null = null;
  const holds = (assetId: string): boolean => leases?.holds(assetId) ?? false;

  const takeOver = (assetId: string): void => {
    retries.delete(assetId);
    ledger.latched(assetId).then(
      (trip) => {
        if (!holds(assetId)) return;
        if (trip && engine.adoptLatch(assetId, trip.engineId, trip.commandId, trip.reason)) log(`scale-out: ${assetId} latched on ${trip.engineId}'s trip ${trip.commandId} (${trip.reason})`);
        following.add(assetId);
        for (const s of o.sources) s.follow?.(assetId);
        log(`scale-out: running ${assetId}`);
      },
      (err: unknown) => {
        if (!holds(assetId)) return;
        log(`scale-out: ${assetId} held but not run yet: the trip ledger could not say whether it is latched (${err instanceof Error ? err.message : String(err)}); asking again`);
        retries.set(assetId, setTimeout(() => takeOver(assetId), LEDGER_RETRY_MS));
      },
    );
  };
  const release = (assetId: string, why: string): void => {
    clearTimeout(retries.get(assetId));
    retries.delete(assetId);
    if (!following.delete(assetId)) return;
    for (const s of o.sources) s.unfollow?.(assetId);
    log(`scale-out: no longer running ${assetId} (${why})`);
  };

  // An emergency stop from another engine's console of an asset this engine runs: latch it here too.
  const foreignTrips = ledger.follow((assetId, trip) => {
    if (holds(assetId) && engine.adoptLatch(assetId, trip.engineId, trip.commandId, trip.reason)) log(`scale-out: ${assetId} latched on ${trip.engineId}'s trip ${trip.commandId} (${trip.reason})`);
  });
  const unsubscribe = engine.on((e) => {
    if (e.type === 'TripRequested') {
      const commandId = `${engineId}:${e.assetId}:${e.decidedAtMs}`;
      ledger.record(e.assetId, { commandId, decidedAtMs: e.decidedAtMs, reason: e.reason ?? `${e.groupId ?? e.source} ${e.value.toFixed(2)} ≥ danger ${e.setpoint}` });
    } else if (e.type === 'AlarmLevelChanged' && e.cause === 'reset') ledger.clear(e.assetId);
  });
  try {
    leases = await AssetLeases.start({
      connection, site: config.site, engineId, assetIds: engine.assetIds(), leaseMs: scaleout.leaseMs, log,
      onAcquired: (assetId) => takeOver(assetId),
      onLost: (assetId, why) => release(assetId, why),
    });
  } catch (err) {
    unsubscribe();
    foreignTrips.dispose();
    ledger.dispose();
    await connection.close();
    throw err;
  }
  // Leases acquired while `start` ran were handed to takeOver before `leases` was set: ask again.
  for (const assetId of leases.heldAssets()) if (!following.has(assetId) && !retries.has(assetId)) takeOver(assetId);
  const running = leases;
  // Asked per asset at every status: a lookup, not a snapshot of the whole plant.
  const holderOf = (assetId: string): string | null => running.ownerOf(assetId);
  const share = startShare(config, scaleout, engine, engineId, holderOf, o);
  return {
    holds,
    holderOf,
    status: () => {
      const plant = running.plant();
      const members = plant.members.filter((m) => m.live).map((m) => `${m.engineId} (${m.holds})`);
      const mine = running.heldAssets().length;
      const shared = share ? `; statuses shared ${share.share.counters().connected ? 'through the broker' : 'NOT (broker away): other engines\' assets show no live data'}` : '; statuses not shared (no mqtt source)';
      return { id: scaleout.nats.join(', '), role: 'scale-out', kind: 'nats', connected: !connection.isClosed() && connection.info !== undefined, detail: `engine ${engineId} runs ${mine} of ${plant.assets.length} assets; engines: ${members.join(', ') || 'none seen'}${shared}` };
    },
    async stop() {
      unsubscribe();
      foreignTrips.dispose();
      await share?.stop();
      for (const t of retries.values()) clearTimeout(t);
      await running.close();
      await ledger.flushed().catch(() => {});
      ledger.dispose();
      await connection.close().catch(() => {});
    },
  };
}

/**
 * Every console sees the whole plant: this engine publishes the status of the assets it runs and
 * shows, for the assets another engine runs, that engine's latest status (`StatusShare`), through
 * the plant's event broker, or its first MQTT source. Without an MQTT source there is nothing to
 * share through, and the other engines' assets show who runs them but no live data.
 */
function startShare(config: PlantConfig, scaleout: NonNullable<PlantConfig['scaleout']>, engine: Engine, engineId: string, holderOf: (assetId: string) => string | null, o: PlantScaleoutOptions): { share: StatusShare; stop(): Promise<void> } | null {
  const source = config.events ? mqttSourceOf(config, config.events.source) : config.sources.find((s) => s.kind === 'mqtt');
  if (!source || source.kind !== 'mqtt') return null;
  const share = StatusShare.start({ url: source.url, protocolVersion: source.protocolVersion, ...mqttLoginOf(source, o.env ?? process.env), site: config.site, engineId, log: o.log });
  const maxAgeMs = Math.max(3000, scaleout.leaseMs);
  engine.reportRemoteStatus((assetId) => {
    const holder = holderOf(assetId);
    return holder === null || holder === engineId ? null : share.from(holder, assetId, Date.now(), maxAgeMs);
  });
  const timer = setInterval(() => share.publish(engine.status().assets.filter((a) => a.heldBy === engineId)), o.shareEveryMs ?? 500);
  timer.unref();
  return {
    share,
    async stop() {
      clearInterval(timer);
      await share.dispose();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? new Error(`${what}: ${err.message}`) : new Error(what));
      },
    );
  });
}

