import { createHook } from 'node:async_hooks';
import { AssetLeases, monotonicEpochClock, type LossReason } from '../../../../engine/connect/scaleout/AssetLeases';
import type { LeaseMember } from '../../../../engine/connect/scaleout/LeaseMemberChild';
import type { OwnershipEvent } from '../../../../engine/connect/scaleout/ownershipTimeline';
import { startNatsServer, type NatsPeer } from '../../../../engine/connect/scaleout/natsPeer';

/**
 * Helpers for the scale-out integration tests: engines in this process that log every acquire
 * and loss on the shared clock, the same log read from a child member's reports, and polling.
 */

export const SITE = 'plant1';
export const LEASE_MS = 1000;
export const RENEW_MS = Math.floor(LEASE_MS / 3);
export const assets = (n: number) => Array.from({ length: n }, (_, i) => `pump-${String(i + 1).padStart(2, '0')}`);

/** One ownership log for every engine of a test, on {@link monotonicEpochClock}. */
export class OwnershipLog {
  readonly events: OwnershipEvent[] = [];
  readonly losses: Array<{ engineId: string; assetId: string; why: LossReason; atMs: number }> = [];

  acquired(engineId: string, assetId: string, atMs = monotonicEpochClock()): void {
    this.events.push({ engineId, assetId, kind: 'acquired', atMs });
  }

  lost(engineId: string, assetId: string, why: LossReason, atMs = monotonicEpochClock()): void {
    this.events.push({ engineId, assetId, kind: 'lost', atMs });
    this.losses.push({ engineId, assetId, why, atMs });
  }

  /** Adds a child member's reports; its holdings end when it was seen gone (`endMs`), if killed. */
  addChild(m: LeaseMember, endMs?: number): void {
    const held = new Set<string>();
    for (const r of m.reports) {
      if (r.t === 'acquired') {
        this.acquired(m.engineId, r.assetId, r.atMs);
        held.add(r.assetId);
      } else if (r.t === 'lost') {
        this.lost(m.engineId, r.assetId, r.why, r.atMs);
        held.delete(r.assetId);
      }
    }
    if (endMs !== undefined) for (const a of held) this.events.push({ engineId: m.engineId, assetId: a, kind: 'lost', atMs: endMs });
  }
}

/** Starts an engine in this process that logs into `log`. */
export function startEngine(url: string, engineId: string, assetIds: readonly string[], log: OwnershipLog, lines?: string[]): Promise<AssetLeases> {
  return AssetLeases.start({
    servers: [url],
    site: SITE,
    engineId,
    assetIds,
    leaseMs: LEASE_MS,
    onAcquired: (assetId) => log.acquired(engineId, assetId),
    onLost: (assetId, why) => log.lost(engineId, assetId, why),
    ...(lines ? { log: (l: string) => lines.push(l) } : {}),
  });
}

/** Polls `fn` every 10 ms until it returns true; rejects with `what` after `timeoutMs`. */
export async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const by = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Each engine's held assets, by engine id. */
export function holdings(engines: readonly AssetLeases[]): Record<string, string[]> {
  return Object.fromEntries(engines.map((e) => [e.engineId, e.heldAssets()]));
}

/**
 * True when every one of `all` is held by exactly one of `engines`, each holds `perEngine`
 * (a count, or [min, max]), and every engine's plant view agrees with who holds what.
 */
export function settled(engines: readonly AssetLeases[], all: readonly string[], perEngine: number | [number, number], extraOwners: Record<string, string> = {}): boolean {
  const [min, max] = typeof perEngine === 'number' ? [perEngine, perEngine] : perEngine;
  const owner = new Map<string, string>(Object.entries(extraOwners));
  for (const e of engines) {
    const held = e.heldAssets();
    if (held.length < min || held.length > max) return false;
    for (const a of held) {
      if (owner.has(a)) return false;
      owner.set(a, e.engineId);
    }
  }
  if (!all.every((a) => owner.has(a))) return false;
  return engines.every((e) => e.plant().assets.every((v) => v.ownerEngineId === (owner.get(v.assetId) ?? null)));
}

const TRACKED = new Set(['Timeout', 'TCPWRAP', 'PROCESSWRAP', 'PIPEWRAP']);

/**
 * What a test started (servers, engines, child members), released in reverse by `end()`, which
 * then fails if a socket, timer, pipe or process made during the test outlived it: every owner of
 * a handle gives it back when closed.
 */
export class TestResources {
  private release: Array<() => Promise<void> | void> = [];
  private readonly live = new Map<number, { type: string; resource: object }>();
  private readonly hook = createHook({
    init: (id, type, _trigger, resource) => {
      if (TRACKED.has(type)) this.live.set(id, { type, resource });
    },
    destroy: (id) => void this.live.delete(id),
  });

  /** Call in beforeEach. */
  begin(): void {
    this.release = [];
    this.live.clear();
    this.hook.enable();
  }

  /** `fn` runs at the end of the test, before those added earlier. */
  add(fn: () => Promise<void> | void): void {
    this.release.push(fn);
  }

  /** Call in afterEach. */
  async end(): Promise<void> {
    try {
      for (const r of this.release.reverse()) await r();
      this.release = [];
      const by = performance.now() + 2000;
      while (this.leaks().length > 0 && performance.now() < by) await new Promise((r) => setImmediate(r));
      const leaks = this.leaks();
      if (leaks.length > 0) throw new Error(`the test left handles open after releasing everything it started: ${leaks.join(', ')}`);
    } finally {
      this.hook.disable();
      this.live.clear();
    }
  }

  private leaks(): string[] {
    return [...this.live.values()].filter(({ type, resource }) => type !== 'Timeout' || (resource as { hasRef?(): boolean }).hasRef?.() !== false).map((h) => h.type);
  }
}

/** A nats-server for one test, stopped with the test's other resources. */
export async function startTestNats(res: TestResources, o: { port?: number; storeDir?: string } = {}): Promise<NatsPeer> {
  const n = await startNatsServer(o);
  res.add(() => n.stop());
  return n;
}
