import { describe, expect, it } from 'vitest';
import { APP_CONTENT_SECURITY_POLICY, EngineRestartPolicy, kioskRequested, navigationAllowed } from '../../main/windowPolicy';

describe('desktop window policy', () => {
  it('given the app page, then only a reload of it is an allowed navigation', () => {
    const app = 'file:///opt/vigil/resources/app/out/renderer/index.html';
    expect(navigationAllowed(app, app)).toBe(true);
    expect(navigationAllowed('file:///etc/passwd', app)).toBe(false);
    expect(navigationAllowed('https://example.com/', app)).toBe(false);
    expect(navigationAllowed('not a url', app)).toBe(false);
    const dev = 'http://localhost:5173/';
    expect(navigationAllowed('http://localhost:5173/#/alarms', dev)).toBe(true);
    expect(navigationAllowed('http://localhost:5174/', dev)).toBe(false);
  });

  it('given the CSP, then it allows only the app itself: no eval, no foreign scripts, frames, plugins or form posts', () => {
    expect(APP_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(APP_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*|https?:/);
    for (const d of ["object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) expect(APP_CONTENT_SECURITY_POLICY).toContain(d);
  });

  it('given --kiosk or VIGIL_KIOSK=1, then kiosk mode', () => {
    expect(kioskRequested(['electron', '.', '--kiosk'], {})).toBe(true);
    expect(kioskRequested(['electron', '.'], { VIGIL_KIOSK: '1' })).toBe(true);
    expect(kioskRequested(['electron', '.'], {})).toBe(false);
  });

  it('given an engine thread that dies, then it restarts at once, backs off while it keeps dying, recovers after a stable run, and stops with a clear message when it flaps', () => {
    const p = new EngineRestartPolicy({ baseDelayMs: 1000, maxDelayMs: 8000, stableAfterMs: 60_000, maxRestarts: 5, windowMs: 600_000 });
    p.started(0);
    expect(p.died(100_000, 'out of memory')).toEqual({ state: 'restarting', detail: 'the engine stopped (out of memory); restarting', inMs: 0 });
    p.started(100_000);
    expect(p.died(100_500, 'crash')).toMatchObject({ state: 'restarting', inMs: 1000 });
    p.started(101_500);
    expect(p.died(102_000, 'crash')).toMatchObject({ inMs: 2000 });
    p.started(104_000);
    expect(p.died(104_100, 'crash')).toMatchObject({ inMs: 4000 });
    p.started(108_100);
    const stopped = p.died(108_200, 'crash');
    expect(stopped).toMatchObject({ state: 'restarting', inMs: 8000 });
    p.started(116_200);
    expect(p.died(116_300, 'crash')).toMatchObject({ state: 'stopped', detail: expect.stringMatching(/stopped 6 times in 10 min.*not restarting/) });
    // Much later, after a long stable run, a single death restarts at once again.
    const q = new EngineRestartPolicy();
    q.started(0);
    q.died(1000, 'x');
    q.started(1000);
    expect(q.died(1000 + 3_600_000, 'y')).toMatchObject({ state: 'restarting', inMs: 0 });
  });
});
