import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startModuleWorker } from '../../../engine/util/startModuleWorker';

const onLinux = platform() === 'linux';

/** The calling thread's nice value, from /proc (field 19 of its stat line). */
function ownNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('background threads (learner, backtests)', () => {
  it.skipIf(!onLinux)(`run at nice 10 while the thread that started them keeps its priority${onLinux ? '' : ' — SKIPPED: thread priorities are per process off Linux'}`, async () => {
    const before = ownNice();
    const worker = startModuleWorker(import.meta.url, 'backgroundProbeWorker');
    const reply = await new Promise<{ said: string; threadNice: number | null }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ said: 'nice 10', threadNice: 10 });
    // The thread that started it (this one) is untouched: nice is per thread on Linux.
    expect(ownNice()).toBe(before);
  });
});
