import type React from 'react';
import type { FaultKind, LiveContributions, LiveDiagnosis } from '../../engine/contract';
import { TableHead } from './TableHead';
import { HMI, panelStyle, tableStyle, tdStyle } from './theme';

const FAULT_TEXT: Record<FaultKind, string> = {
  outer_race: 'outer race defect',
  inner_race: 'inner race defect',
  ball: 'rolling element (ball) defect',
  cage: 'cage defect',
  imbalance_misalignment: 'imbalance or misalignment',
  unknown: 'no fault pattern',
};

/** Model inputs as an engineer names them. */
const FEATURE_TEXT: Readonly<Record<string, string>> = {
  log10_rms_g: 'RMS acceleration',
  crest: 'crest factor',
  log10_kurtosis_raw: 'kurtosis (impacts)',
  skewness: 'skewness',
  log10_velocity_rms_mm_s: 'ISO velocity',
  log10_order1_g: '1x line',
  log10_order2_g: '2x line',
  log10_order3_g: '3x line',
  log10_env_floor_g: 'envelope floor',
  log10_env_bpfo_rel: 'BPFO line (envelope)',
  log10_env_bpfi_rel: 'BPFI line (envelope)',
  log10_env_bsf_rel: 'BSF line (envelope)',
  log10_env_ftf_rel: 'FTF line (envelope)',
};
/** Drivers listed: the rest share what is left. */
const TOP_DRIVERS = 6;

/**
 * What the page concludes: the diagnosis (the alarm's, or the recent windows' evidence while the
 * machine is normal) with its evidence, and the inputs that drive the score with their shares. A
 * named fault is the only coloured text here; shares are grey bars.
 */
export function AssetInsight({ diagnosis, contributions }: { diagnosis: LiveDiagnosis | null; contributions: LiveContributions | null }): React.JSX.Element {
  const named = diagnosis !== null && diagnosis.fault !== 'unknown';
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(600px, 1fr))', gap: 12 }}>
      <div style={panelStyle} data-testid="asset-diagnosis" data-fault={diagnosis?.fault ?? ''}>
        <h2 style={{ fontSize: 16, margin: '0 0 6px' }}>Diagnosis</h2>
        {diagnosis === null ? (
          <p style={{ color: HMI.muted }}>None yet: the diagnosis needs a commissioned model (its baseline).</p>
        ) : (
          <>
            <p style={{ margin: '0 0 6px' }}>
              <strong style={{ color: named ? HMI.alert : HMI.text }}>{FAULT_TEXT[diagnosis.fault]}</strong>
              {named ? ` · confidence ${Math.round(diagnosis.confidence * 100)} %` : ''}
              <span style={{ color: HMI.muted }}> · {diagnosis.source === 'alarm' ? 'from the alarm' : 'from the recent windows (machine at normal level)'}</span>
            </p>
            <table style={tableStyle}>
              <TableHead labels={['Evidence', 'Frequency', 'Now', 'Baseline', '× baseline']} />
              <tbody>
                {diagnosis.evidence.map((e) => (
                  <tr key={e.feature}>
                    <td style={tdStyle}>{e.feature}</td>
                    <td style={tdStyle}>{e.freqHz === null ? '—' : `${e.freqHz.toFixed(1)} Hz`}</td>
                    <td style={tdStyle}>{e.value.toPrecision(3)}</td>
                    <td style={tdStyle}>{e.baseline.toPrecision(3)}</td>
                    <td style={tdStyle}>{e.ratio.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
      <div style={panelStyle} data-testid="asset-drivers">
        <h2 style={{ fontSize: 16, margin: '0 0 6px' }}>What drives the score</h2>
        {contributions === null ? (
          <p style={{ color: HMI.muted }}>No model yet: the score and its drivers come after commissioning.</p>
        ) : (
          <>
            <p style={{ margin: '0 0 6px', fontSize: 13, color: HMI.muted }}>
              Share of the model's distance from normal (fp32 reference score {contributions.referenceScore.toFixed(2)}, model {contributions.modelVersion}); along the normal pattern, not one input: {pct(contributions.latentShare)}.
            </p>
            <table style={tableStyle}>
              <TableHead labels={['Input', 'Share', 'Deviation (σ)', 'Unexplained (σ)']} />
              <tbody>
                {contributions.features.slice(0, TOP_DRIVERS).map((f) => (
                  <tr key={f.feature} data-feature={f.feature}>
                    <td style={tdStyle} title={f.feature}>
                      {FEATURE_TEXT[f.feature] ?? f.feature}
                    </td>
                    <td style={{ ...tdStyle, width: 180 }}>
                      <div style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
                        <div aria-hidden style={{ width: 100, height: 8, background: '#d4d4d4' }}>
                          <div style={{ width: `${Math.round(f.share * 100)}%`, height: 8, background: HMI.muted }} />
                        </div>
                        {pct(f.share)}
                      </div>
                    </td>
                    <td style={tdStyle}>{sigma(f.deviation)}</td>
                    <td style={tdStyle}>{sigma(f.residual)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </div>
  );
}

/** One decimal, and never '-0.0'. */
function sigma(v: number): string {
  return (Math.abs(v) < 0.05 ? 0 : v).toFixed(1);
}

function pct(share: number): string {
  return share < 0.001 ? '<0.1 %' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}
