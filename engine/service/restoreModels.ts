import type { Engine } from '../engine';
import { modelSourceFromRecord } from '../monitor/commission';
import type { Repository } from '../store/Repository';

/** What happened to one channel at start-up. */
export type RestoreOutcome =
  | { assetId: string; channelId: string; restored: string; confirmedFaults: number }
  | { assetId: string; channelId: string; refused: string };

/**
 * After a restart, each channel resumes with the version the registry says is in production
 * (its newest promotion, rollbacks included) instead of learning its normal again, and the
 * operator-confirmed faults every later candidate must still alarm on come back with it. A row
 * that cannot be restored (corrupt JSON, bytes that do not rebuild) is refused with the reason; that
 * channel commissions afresh, which is safe: velocity protection runs meanwhile.
 */
export async function restoreProductionModels(engine: Engine, repo: Repository): Promise<RestoreOutcome[]> {
  const out: RestoreOutcome[] = [];
  for (const { assetId } of engine.status().assets) {
    const monitor = engine.monitor(assetId)!;
    for (const channelId of monitor.channelIds) {
      const version = repo.models.productionVersion(assetId, channelId);
      if (!version) continue;
      try {
        const rec = repo.models.modelVersion(version);
        if (!rec) throw new Error(`production version ${version} is not in the registry`);
        await engine.installModel(assetId, channelId, modelSourceFromRecord(rec), false);
        const faults = repo.models.listFeedback(assetId, channelId, 'confirmed_fault');
        for (const f of faults) monitor.lifecycle(channelId).rememberConfirmedFault(f.incidentId ?? `feedback-${f.id}`, f.vectors);
        out.push({ assetId, channelId, restored: version, confirmedFaults: faults.length });
      } catch (err) {
        out.push({ assetId, channelId, refused: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return out;
}
