/**
 * One pump as a plant file lists it (under `assets:`), for the tests that run a plant from a file:
 * a 6205 bearing, one accelerometer from `source`, velocity protection that trips on the first
 * window past danger, and no end to commissioning unless asked (the tests trip on velocity).
 */
export function pumpAssetYaml(o: { id: string; source: string; channel?: string; name?: string; sampleRateHz?: number; onDelayWindows?: number; commissioningWindows?: number | null }): string {
  const onDelay = o.onDelayWindows ?? 0;
  const commissioning = o.commissioningWindows === undefined ? 100_000 : o.commissioningWindows;
  return `  - id: ${o.id}
    name: ${o.name ?? `Pump ${o.id}`}
    bearing: { name: SKF 6205, rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04 }
    nominalShaftHz: 24.75
    channels:
      - { id: ${o.channel ?? 'de_accel'}, source: ${o.source}, sampleRateHz: ${o.sampleRateHz ?? 12_800}, windowSize: 1024, hopSize: 512 }
    setpoints:
      score: { alert: 1.0, danger: 3.0, onDelayWindows: ${onDelay} }
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: ${onDelay} }
${commissioning === null ? '' : `    commissioningWindows: ${commissioning}\n`}`;
}
