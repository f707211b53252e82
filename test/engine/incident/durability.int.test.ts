import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcileTrips, RECONSTRUCTED_PREFIX } from '../../../engine/incident/reconcileTrips';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { openStore } from '../../../engine/store/openStore';
import { readLatches } from '../../support/latchingController';

const KILLS = Number(process.env.VIGIL_DURABILITY_KILLS ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'vigil-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the console child, kills it with SIGKILL `afterReadyMs` after it is scoring (or after a timeout), returns the audit ids it reported committed. */
function runAndKill(db: string, latches: string, afterReadyMs: number): Promise<{ audited: number[]; ready: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../support/durabilityChild.ts'), db, latches], { stdio: ['ignore', 'pipe', 'pipe'] });
    const audited: number[] = [];
    let ready = false;
    let buf = '';
    let stderr = '';
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const startup = setTimeout(kill, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'READY' && !ready) {
          ready = true;
          clearTimeout(startup);
          setTimeout(kill, afterReadyMs);
        } else if (line.startsWith('AUDIT ')) audited.push(Number(line.slice(6)));
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(startup);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${stderr.slice(-2000)}`));
      else resolve({ audited, ready });
    });
  });
}

describe('durability: the console is killed with SIGKILL during repeated trips', () => {
  it(`given ${KILLS} kills at random moments, then after each restart every latched trip has its incident (recorded or reconstructed), every committed audit row is intact, and the database passes integrity_check`, async () => {
    const db = join(dir, 'vigil.sqlite');
    const latchFile = join(dir, 'controller.latch');
    const u = new SeededUniform(2026);
    let recorded = 0;
    let reconstructed = 0;
    const allAudited: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const { audited, ready } = await runAndKill(db, latchFile, Math.floor(u.next() * 1500));
      expect(ready).toBe(true);
      allAudited.push(...audited);
      // The restart: open the store, check it, and reconcile with the controller's latches.
      const store = openStore(db);
      try {
        expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = new AuditTrail(store.db).list({ action: 'reset', limit: 1_000_000 });
        const ids = new Set(rows.map((r) => r.id));
        expect(allAudited.filter((id) => !ids.has(id))).toEqual([]);
        const latches = readLatches(latchFile);
        const created = reconcileTrips(store.repo, latches);
        reconstructed += created.length;
        const trips = new Map(store.repo.listTrips({ assetId: 'pump-101', limit: 1_000_000 }).map((t) => [Math.round(t.decidedAtMs), t]));
        const incidents = new Set(store.repo.listIncidents({ assetId: 'pump-101', limit: 1_000_000 }).map((i) => i.id));
        const missing = latches.filter((l) => !incidents.has(trips.get(Math.round(l.decidedAtMs))?.incidentId ?? ''));
        expect(missing, 'latched trips without a trip row and incident').toEqual([]);
        recorded = latches.length - reconstructed;
        expect(reconcileTrips(store.repo, latches)).toEqual([]);
      } finally {
        await store.close();
      }
    }
    const latches = readLatches(latchFile);
    console.log(`durability: ${KILLS} kills, ${latches.length} latched trips: ${recorded} recorded before the kill, ${reconstructed} reconstructed at restart; ${allAudited.length} audit rows reported committed, all intact`);
    expect(latches.length).toBeGreaterThan(KILLS);
    const store = openStore(db);
    const marked = store.repo.listIncidents({ assetId: 'pump-101', limit: 1_000_000 }).filter((i) => i.summary?.startsWith(RECONSTRUCTED_PREFIX)).length;
    await store.close();
    expect(marked).toBe(reconstructed);
  }, 900_000);
});
