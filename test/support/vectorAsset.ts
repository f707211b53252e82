import type { AssetConfig } from '../../engine/contract';

/**
 * A machine whose channels deliver feature vectors (no DSP), the quickest way to drive the engine
 * window by window in a test: one channel per entry of `features`, the simple setpoints (score
 * 1/3, ISO velocity 4.5/7.1, one window on-delay) unless overridden.
 */
export function vectorAsset(o: {
  assetId: string;
  channels: Record<string, readonly string[]>;
  commissioningWindows: number;
  learning?: AssetConfig['learning'];
  protection?: unknown;
}): AssetConfig {
  return {
    assetId: o.assetId,
    name: `${o.assetId} (feature vectors)`,
    bearing: { name: 'x', rollingElements: 9, rollerDiameterMm: 8, pitchDiameterMm: 39, contactAngleDeg: 0 },
    nominalShaftHz: 30,
    channels: [],
    vectorChannels: Object.entries(o.channels).map(([channelId, featureNames]) => ({ channelId, featureNames: [...featureNames], levelFeatures: [featureNames[0]!], deadBelowFraction: 0.1, periodMs: 1000 })),
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 1 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 1 } },
    commissioningWindows: o.commissioningWindows,
    ...(o.learning ? { learning: o.learning } : {}),
    ...(o.protection !== undefined ? { protection: o.protection } : {}),
  };
}
