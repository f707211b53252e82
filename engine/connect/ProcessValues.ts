/** One slow value as a source delivered it. */
export interface ProcessValue {
  assetId: string;
  channelId: string;
  /** When it was measured (the source's time), ms. */
  atMs: number;
  value: number;
  /** The plant file's source id. */
  sourceId: string;
}

/** A value with its freshness, for a display or a health check. */
export interface ProcessValueView extends ProcessValue {
  /** Older than its source's `staleAfterMs`: shown, never used. */
  stale: boolean;
}

/**
 * The channel whose slow value is the shaft speed, in Hz (a plant file scales a drive's rpm or
 * 0.1 rpm register into Hz for it, as the example does).
 */
export const SPEED_CHANNEL = 'speed';

const key = (assetId: string, channelId: string): string => `${assetId}\u0000${channelId}`;

/**
 * The latest slow value of each asset's channels (speed, temperature, load) from whichever source
 * delivers it: Modbus polls, OPC UA subscriptions, MQTT JSON values. Why keep them: a measured
 * shaft speed makes the order-based features (bearing defect bands, 1×, 2×) follow a drive that
 * changes speed, where the nameplate speed would put the bands in the wrong place. A value older
 * than its source's limit is stale and is not used: a frozen speed from a dead PLC is worse than
 * the nameplate.
 */
export class ProcessValues {
  readonly #latest = new Map<string, ProcessValue & { staleAfterMs: number; confirmedAtMs: number }>();

  /** Keeps `v` unless a newer value of its channel is already held (sources may deliver out of order). */
  put(v: ProcessValue, staleAfterMs: number): void {
    if (!Number.isFinite(v.value)) return;
    const k = key(v.assetId, v.channelId);
    const held = this.#latest.get(k);
    if (held && held.atMs > v.atMs) return;
    this.#latest.set(k, { ...v, staleAfterMs, confirmedAtMs: v.atMs });
  }

  /**
   * The source says the held value still holds at `atMs` (OPC UA reports a value only when it
   * changes; its keep-alives confirm an unchanged one), so a steady speed does not go stale.
   */
  confirm(assetId: string, channelId: string, atMs: number): void {
    const held = this.#latest.get(key(assetId, channelId));
    if (held && atMs > held.confirmedAtMs) held.confirmedAtMs = atMs;
  }

  /** The asset's measured shaft speed (Hz) if a fresh, positive one is held; undefined otherwise. */
  shaftHz(assetId: string, nowMs: number): number | undefined {
    const v = this.#latest.get(key(assetId, SPEED_CHANNEL));
    if (!v || nowMs - v.confirmedAtMs > v.staleAfterMs || !(v.value > 0)) return undefined;
    return v.value;
  }

  /** Every held value with its freshness at `nowMs`, by asset then channel. */
  view(nowMs: number): ProcessValueView[] {
    return [...this.#latest.values()]
      .map(({ staleAfterMs, confirmedAtMs, ...v }) => ({ ...v, stale: nowMs - confirmedAtMs > staleAfterMs }))
      .sort((a, b) => a.assetId.localeCompare(b.assetId) || a.channelId.localeCompare(b.channelId));
  }
}
