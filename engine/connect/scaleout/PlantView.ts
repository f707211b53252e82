import type { LeaseRecord, MemberRecord } from './leaseRecords';

/**
 * One engine's picture of the whole plant, built from the lease bucket's watch: every asset with
 * the engine that holds it and since when, and every engine with whether it is alive. Consoles
 * show it; {@link AssetLeases} decides from it which assets it should claim or hand over.
 *
 * JetStream removes an expired key without telling watchers, so liveness is judged here: an
 * entry is live for `leaseMs` after this process saw its last write (its own clock, never another
 * machine's), the same time after which the server forgets it. A view is therefore late by the
 * watch latency, and only ever used to decide *when to try*; who holds what is settled by the
 * bucket's compare-and-set, never by this view.
 *
 * Pure state: no I/O, no timers, time passed in.
 */

/** An asset as the view sees it. */
export interface PlantAssetView {
  assetId: string;
  /** The live holder, or null when nobody holds it (never held, released, or expired). */
  ownerEngineId: string | null;
  /**
   * Held: when the owner acquired it (the owner's clock, epoch ms). Free: when this view saw it
   * become free (its release, or its lease running out); null when never seen held.
   */
  sinceMs: number | null;
  /** The bucket revision of its last write seen, or null. */
  revision: number | null;
  /** False for an asset another engine leases that this engine's plant does not list. */
  configured: boolean;
  /** A live value that did not parse as a lease: held by something that is not a Vigil engine. */
  unreadable: boolean;
}

/** An engine as the view sees it. */
export interface PlantMemberView {
  engineId: string;
  instance: string;
  /** When it (re)joined, its clock. */
  startedAtMs: number;
  live: boolean;
  /** How many live leases name it. */
  holds: number;
}

/** The whole plant at `atMs`, assets and members sorted by id. */
export interface PlantSnapshot {
  atMs: number;
  assets: PlantAssetView[];
  members: PlantMemberView[];
}

/** A live lease as observed: the record (null if unreadable), its revision and when it was seen. */
export interface ObservedLease {
  assetId: string;
  record: LeaseRecord | null;
  revision: number;
  seenAtMs: number;
}

interface Slot<T> {
  record: T | null;
  revision: number;
  /** When the last write was seen (this clock); null after a delete. */
  seenAtMs: number | null;
  /** When a delete was seen (this clock). */
  deletedAtMs: number | null;
  generation: number;
}

/** What a write did to the view; lets the caller react to joins and frees at once. */
export type PlantChange = { kind: 'asset'; assetId: string } | { kind: 'member'; engineId: string; joined: boolean } | null;

/** The plant as one process's watch of the lease bucket shows it (see the file comment). */
export class PlantView {
  private readonly configured: ReadonlySet<string>;
  private readonly leases = new Map<string, Slot<LeaseRecord>>();
  private readonly members = new Map<string, Slot<MemberRecord>>();
  private generation = 0;
  private resyncing = false;

  /** `assetIds`: this engine's plant; `leaseMs`: the bucket TTL, after which an unrenewed entry is dead. */
  constructor(assetIds: readonly string[], private readonly leaseMs: number) {
    this.configured = new Set(assetIds);
  }

  /** Applies a write to `asset.<assetId>` seen at `seenAtMs`. */
  applyLease(assetId: string, op: 'PUT' | 'DEL' | 'PURGE', revision: number, record: LeaseRecord | null, seenAtMs: number): PlantChange {
    return this.apply(this.leases, assetId, op, revision, record, seenAtMs) ? { kind: 'asset', assetId } : null;
  }

  /** Applies a write to `engine.<engineId>` seen at `seenAtMs`. */
  applyMember(engineId: string, op: 'PUT' | 'DEL' | 'PURGE', revision: number, record: MemberRecord | null, seenAtMs: number): PlantChange {
    const wasLive = this.isLive(this.members.get(engineId), seenAtMs);
    if (!this.apply(this.members, engineId, op, revision, record, seenAtMs)) return null;
    return { kind: 'member', engineId, joined: !wasLive && this.isLive(this.members.get(engineId), seenAtMs) };
  }

  /**
   * Starts a resync (a new watch after a reconnect delivers every current value again): keys the
   * new watch does not deliver before {@link endResync} have expired or been purged meanwhile.
   */
  beginResync(): void {
    this.generation++;
    this.resyncing = true;
  }

  /** Ends a resync: forgets what it did not deliver. */
  endResync(): void {
    this.resyncing = false;
    for (const map of [this.leases, this.members] as Map<string, Slot<unknown>>[]) {
      for (const [k, s] of map) if (s.generation !== this.generation) map.delete(k);
    }
  }

  /** The live lease of `assetId` at `nowMs`, or null when it is free as far as this view knows. */
  lease(assetId: string, nowMs: number): ObservedLease | null {
    const s = this.leases.get(assetId);
    if (!s || !this.isLive(s, nowMs)) return null;
    return { assetId, record: s.record, revision: s.revision, seenAtMs: s.seenAtMs! };
  }

  /** Every live lease at `nowMs`. */
  liveLeases(nowMs: number): ObservedLease[] {
    const out: ObservedLease[] = [];
    for (const assetId of this.leases.keys()) {
      const l = this.lease(assetId, nowMs);
      if (l) out.push(l);
    }
    return out;
  }

  /** Ids of the engines alive at `nowMs` (membership renewed within the lease time), sorted. */
  liveMembers(nowMs: number): string[] {
    return [...this.members].filter(([, s]) => s.record !== null && this.isLive(s, nowMs)).map(([id]) => id).sort();
  }

  /** The member record of `engineId` if it is live. */
  member(engineId: string, nowMs: number): MemberRecord | null {
    const s = this.members.get(engineId);
    return s && this.isLive(s, nowMs) ? s.record : null;
  }

  /** The earliest time after `nowMs` at which a live entry dies unless renewed, or null. */
  nextExpiryMs(nowMs: number): number | null {
    let next: number | null = null;
    for (const map of [this.leases, this.members] as Map<string, Slot<unknown>>[]) {
      for (const s of map.values()) {
        if (s.seenAtMs === null) continue;
        const at = s.seenAtMs + this.leaseMs;
        if (at > nowMs && (next === null || at < next)) next = at;
      }
    }
    return next;
  }

  /** The whole plant at `nowMs`: configured assets plus any other asset seen leased. */
  snapshot(nowMs: number): PlantSnapshot {
    const ids = [...new Set([...this.configured, ...this.leases.keys()])].sort();
    const holds = new Map<string, number>();
    const assets = ids.map((assetId): PlantAssetView => {
      const s = this.leases.get(assetId);
      const live = s !== undefined && this.isLive(s, nowMs);
      const owner = live ? (s.record?.engineId ?? null) : null;
      if (owner) holds.set(owner, (holds.get(owner) ?? 0) + 1);
      let sinceMs: number | null = null;
      if (live) sinceMs = s.record?.acquiredAtMs ?? s.seenAtMs;
      else if (s) sinceMs = s.deletedAtMs ?? (s.seenAtMs === null ? null : s.seenAtMs + this.leaseMs);
      return { assetId, ownerEngineId: owner, sinceMs, revision: s?.revision ?? null, configured: this.configured.has(assetId), unreadable: live && s.record === null };
    });
    const members = [...this.members]
      .filter(([, s]) => s.record !== null)
      .map(([engineId, s]): PlantMemberView => ({ engineId, instance: s.record!.instance, startedAtMs: s.record!.startedAtMs, live: this.isLive(s, nowMs), holds: holds.get(engineId) ?? 0 }))
      .sort((a, b) => (a.engineId < b.engineId ? -1 : a.engineId > b.engineId ? 1 : 0));
    return { atMs: nowMs, assets, members };
  }

  private isLive(s: Slot<unknown> | undefined, nowMs: number): s is Slot<unknown> & { seenAtMs: number } {
    return s !== undefined && s.seenAtMs !== null && nowMs < s.seenAtMs + this.leaseMs;
  }

  private apply<T>(map: Map<string, Slot<T>>, id: string, op: 'PUT' | 'DEL' | 'PURGE', revision: number, record: T | null, seenAtMs: number): boolean {
    const prev = map.get(id);
    // A watch delivers each key's writes in order; an older revision can only be a replay.
    if (prev && !this.resyncing && revision <= prev.revision) return false;
    const put = op === 'PUT';
    map.set(id, { record: put ? record : null, revision, seenAtMs: put ? seenAtMs : null, deletedAtMs: put ? null : seenAtMs, generation: this.generation });
    return true;
  }
}
