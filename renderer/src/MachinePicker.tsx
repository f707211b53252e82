import type React from 'react';
import type { AssetRef } from './consoleClient';

/** The machine chooser of the per-machine pages: a labelled select, `id — name`, keyboard-usable. */
export function MachinePicker({ assets, value, onChange, testId }: { assets: readonly AssetRef[]; value: string; onChange: (assetId: string) => void; testId: string }): React.JSX.Element {
  return (
    <label style={{ display: 'flex', alignItems: 'center', gap: 8, fontSize: 14 }}>
      Machine
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {assets.map((a) => (
          <option key={a.assetId} value={a.assetId}>
            {a.assetId} — {a.name}
          </option>
        ))}
      </select>
    </label>
  );
}
