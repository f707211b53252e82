import { parentPort, workerData } from 'node:worker_threads';
import type { AssetConfig } from '../contract/asset';
import { initDsp } from './fft';
import { FeatureExtractor } from './FeatureExtractor';
import type { FeatureReply, FeatureRequest } from './FeatureThread';

/**
 * The feature thread: one FeatureExtractor per waveform channel of the engine's assets, the same
 * DSP the engine thread runs inline. Windows are answered in the order they came.
 */
const port = parentPort;
if (!port) throw new Error('featureWorker must run in a worker thread');
const assets = workerData as AssetConfig[];
await initDsp();
const extractors = new Map<string, FeatureExtractor>();
for (const a of assets) {
  for (const ch of a.channels) {
    extractors.set(`${a.assetId}\u0000${ch.channelId}`, new FeatureExtractor({ assetId: a.assetId, channelId: ch.channelId, sampleRateHz: ch.sampleRateHz, windowSize: ch.windowSize, bearing: a.bearing }));
  }
}

port.on('message', (req: FeatureRequest) => {
  let reply: FeatureReply;
  try {
    const extractor = extractors.get(`${req.assetId}\u0000${req.channelId}`);
    if (!extractor) throw new Error(`the feature thread has no channel ${req.assetId}/${req.channelId}`);
    reply = { seq: req.seq, ok: true, features: extractor.extract(req.samples, req.endMs, req.shaftHz) };
  } catch (err) {
    reply = { seq: req.seq, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ seq: 0, ok: true, ready: true });
