import { parentPort } from 'node:worker_threads';
import { runAsBackground } from '../util/backgroundThread';
import { LearnerService } from './LearnerService';
import type { LearnerReply, LearnerRequest } from './learnerProtocol';

/**
 * The learner thread: owns every shadow learner of one engine and answers typed requests in
 * order. Training here never delays a window's decision on the engine thread.
 */
// Training is background work: under load the trip path, the host and the operator's page go first.
runAsBackground();
const service = new LearnerService();
const port = parentPort;
if (!port) throw new Error('learnerWorker must run in a worker thread');

port.on('message', (req: LearnerRequest) => {
  void handle(req).then((reply) => {
    if (reply) port.postMessage(reply);
  });
});

async function handle(req: LearnerRequest): Promise<LearnerReply | null> {
  try {
    let value: unknown = null;
    switch (req.method) {
      case 'fit':
        value = await service.fit(req.key, req.vectors, req.featureNames, req.seed);
        break;
      case 'restore':
        await service.restore(req.key, req.learner);
        break;
      case 'learn':
        service.learn(req.key, req.vectors);
        break;
      case 'score':
        value = await service.score(req.key, req.vectors);
        break;
      case 'snapshot':
        value = await service.snapshot(req.key);
        break;
      case 'drop':
        await service.drop(req.key);
        break;
    }
    return req.seq === 0 ? null : { seq: req.seq, ok: true, value };
  } catch (err) {
    return { seq: req.seq, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
