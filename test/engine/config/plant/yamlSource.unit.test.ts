import { describe, expect, it } from 'vitest';
import { formatPath, readYaml } from '../../../../engine/config/plant/yamlSource';

const TEXT = `# a comment first
base: &common
  port: 502
devices:
  - name: plc
    link: *common
  - { name: daq, port: 4840 }
  - name: relay
    name: relay-2
`;

describe('yamlSource: from a path of the value back to the text', () => {
  it('given a document, when paths are located, then entries sit at their key, items at their start, and a missing key at the object lacking it', () => {
    const y = readYaml(TEXT);
    expect([
      y.locate(['devices', 0, 'name']),
      y.locate(['devices', 1, 'port']),
      y.locate(['devices', 1]),
      y.locate(['devices', 0, 'missing']),
      y.locate(['devices', 0, 'link', 'port']),
      y.locate(['absent']),
    ]).toEqual([
      { line: 5, column: 5 },
      { line: 7, column: 18 },
      { line: 7, column: 5 },
      { line: 5, column: 5 },
      { line: 3, column: 3 },
      { line: 2, column: 1 },
    ]);
  });

  it('given a key written twice, then the value keeps the last and the duplicate is reported at its line, naming the first', () => {
    const y = readYaml(TEXT);
    expect({ value: y.value, duplicates: y.duplicateKeys, syntax: y.syntaxError }).toEqual({
      value: { base: { port: 502 }, devices: [{ name: 'plc', link: { port: 502 } }, { name: 'daq', port: 4840 }, { name: 'relay-2' }] },
      duplicates: [{ line: 9, column: 5, path: ['devices', 2, 'name'], message: "duplicate key 'name': already set on line 8 (a key may appear once in an object)" }],
      syntax: null,
    });
  });

  it('given paths with list indices and keys that are not plain words, then they read as in code', () => {
    expect([formatPath(['assets', 1, 'channels', 0, 'sampleRateHz']), formatPath(['bearings', 'SKF 6309', 'rollingElements']), formatPath(['outputs', 1, 'coils', 'pump-7']), formatPath([])]).toEqual([
      'assets[1].channels[0].sampleRateHz',
      'bearings["SKF 6309"].rollingElements',
      'outputs[1].coils.pump-7',
      '',
    ]);
  });
});
