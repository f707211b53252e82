import type React from 'react';
import { thStyle } from './theme';

/** A table's header row: one column heading per label, in the console's header style. */
export function TableHead({ labels }: { labels: readonly string[] }): React.JSX.Element {
  return (
    <thead>
      <tr>
        {labels.map((h, i) => (
          <th key={`${i}-${h}`} style={thStyle}>
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}
