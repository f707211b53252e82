/** What one frame's sequence number says about the stream of its channel. */
export type SequenceVerdict =
  /** The next one, or the first heard. */
  | { kind: 'next' }
  /** Frames were lost in between (`missing` of them); this one is taken. */
  | { kind: 'gap'; missing: number }
  /** Already seen or older than the last: dropped, never scored twice. */
  | { kind: 'duplicate' }
  /** The publisher restarted its count (the number went back, the time forward): taken, and the stream starts over. */
  | { kind: 'restart' };

/** Counts per channel, for the status and the tests. */
export interface SequenceCounts {
  frames: number;
  gaps: number;
  missing: number;
  duplicates: number;
  restarts: number;
}

const HALF_RANGE = 2 ** 31;

/**
 * Follows each channel's uint32 sequence numbers (they wrap at 2³²). Forward by less than half
 * the range is new data (a gap when by more than one); anything else is a duplicate or a
 * reordered old frame, unless its start time is later than the last frame's, which means the
 * publisher restarted and counts from scratch. Memory: one entry per channel heard.
 */
export class SequenceTracker {
  readonly #last = new Map<string, { seq: number; startMs: number; counts: SequenceCounts }>();

  /** Judges `seq` (with its frame's start time) on `channelKey` and remembers it when taken. */
  observe(channelKey: string, seq: number, startMs: number): SequenceVerdict {
    const s = this.#last.get(channelKey);
    if (!s) {
      this.#last.set(channelKey, { seq, startMs, counts: { frames: 1, gaps: 0, missing: 0, duplicates: 0, restarts: 0 } });
      return { kind: 'next' };
    }
    const ahead = (seq - s.seq) >>> 0;
    let v: SequenceVerdict;
    if (ahead === 1) v = { kind: 'next' };
    else if (ahead !== 0 && ahead < HALF_RANGE) v = { kind: 'gap', missing: ahead - 1 };
    else if (startMs > s.startMs) v = { kind: 'restart' };
    else {
      s.counts.duplicates++;
      return { kind: 'duplicate' };
    }
    s.seq = seq;
    s.startMs = startMs;
    s.counts.frames++;
    if (v.kind === 'gap') {
      s.counts.gaps++;
      s.counts.missing += v.missing;
    } else if (v.kind === 'restart') s.counts.restarts++;
    return v;
  }

  /** Forgets a channel's position (after an outage its publisher may have restarted). */
  forget(channelKey: string): void {
    this.#last.delete(channelKey);
  }

  /** Totals over all channels. */
  totals(): SequenceCounts {
    const t: SequenceCounts = { frames: 0, gaps: 0, missing: 0, duplicates: 0, restarts: 0 };
    for (const { counts: c } of this.#last.values()) {
      t.frames += c.frames;
      t.gaps += c.gaps;
      t.missing += c.missing;
      t.duplicates += c.duplicates;
      t.restarts += c.restarts;
    }
    return t;
  }
}
