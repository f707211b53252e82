import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { runAsBackground } from '../../../engine/util/backgroundThread';

/** Test worker: marks itself as background and reports what it got and its own thread's nice value (Linux). */
const said = runAsBackground();
const nice = (path: string): number | null => {
  try {
    const stat = readFileSync(path, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null;
  }
};
parentPort!.postMessage({ said, threadNice: nice('/proc/thread-self/stat') });
