import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssetConfigSchema, type AssetConfig } from '../../../../engine/contract/asset';
import { formatPlantConfigErrors, loadPlantConfig, parsePlantConfig, type PlantConfigResult } from '../../../../engine/config/plant/loadPlantConfig';
import type { PlantConfig } from '../../../../engine/config/plant/plantConfigSchema';
import { defectMultiples } from '../../../../engine/features/defectMultiples';
import { edit, VALID_PLANT } from './validPlantFixture';

/** The formatted errors of a result ('' when it parsed), so a failure shows what the user would read. */
function report(r: PlantConfigResult): string {
  return r.ok ? '' : formatPlantConfigErrors('plant.yaml', r.errors);
}

const SKF_6309 = { name: 'SKF 6309', rollingElements: 8, rollerDiameterMm: 17.462, pitchDiameterMm: 72.5, contactAngleDeg: 0 };

const EXPECTED_ASSETS: AssetConfig[] = [
  {
    assetId: 'pump-7',
    name: 'Feed pump P-7',
    bearing: { ...SKF_6309, multiples: defectMultiples(SKF_6309) },
    nominalShaftHz: 49.5,
    channels: [{ channelId: 'de_accel', sampleRateHz: 12800, windowSize: 4096, hopSize: 1024, maxFrameSamples: 16384 }],
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 2 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 } },
    commissioningWindows: 120,
  },
  {
    assetId: 'fan-3',
    name: 'Exhaust fan F-3',
    bearing: { name: 'SKF 6205', rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0, multiples: { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 } },
    nominalShaftHz: 24.75,
    channels: [{ channelId: 'de_accel', sampleRateHz: 25600, windowSize: 8192, hopSize: 4096, maxFrameSamples: 8192 }],
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 3 }, velocityMmS: { alert: 2.8, danger: 4.5, onDelayWindows: 3 } },
    commissioningWindows: 300,
  },
];

const EXPECTED_CONFIG: PlantConfig = {
  site: 'east-mill',
  bearings: { 'SKF 6309': { rollingElements: 8, rollerDiameterMm: 17.462, pitchDiameterMm: 72.5, contactAngleDeg: 0 } },
  sources: [
    { id: 'broker', kind: 'mqtt', url: 'mqtt://10.1.0.2:1883', protocolVersion: 5, staleAfterMs: 3000 },
    {
      id: 'plc',
      kind: 'modbus',
      host: '10.1.0.5',
      port: 502,
      unitId: 1,
      pollMs: 250,
      registers: [
        { address: 0, type: 'input', format: 'uint16', scale: 0.01, offset: 0, assetId: 'pump-7', channelId: 'speed', unit: 'Hz' },
        { address: 1, type: 'input', format: 'int16', scale: 0.1, offset: -40, assetId: 'pump-7', channelId: 'de_temperature', unit: '°C' },
        { address: 8, type: 'holding', format: 'float32', wordOrder: 'little', scale: 1, offset: 0, assetId: 'fan-3', channelId: 'load', unit: '%' },
      ],
    },
    {
      id: 'daq',
      kind: 'opcua',
      endpointUrl: 'opc.tcp://10.1.0.9:4840',
      securityMode: 'None',
      nodes: [{ nodeId: 'ns=2;s=Fan3.DE', assetId: 'fan-3', channelId: 'de_accel', kind: 'waveform', samplingIntervalMs: 100, sampleRateHz: 25600 }],
    },
  ],
  assets: [
    {
      id: 'pump-7',
      name: 'Feed pump P-7',
      bearing: 'SKF 6309',
      nominalRpm: 2970,
      channels: [{ id: 'de_accel', source: 'broker', sampleRateHz: 12800, windowSize: 4096 }],
      setpoints: EXPECTED_ASSETS[0]!.setpoints,
      commissioningWindows: 120,
    },
    {
      id: 'fan-3',
      name: 'Exhaust fan F-3',
      bearing: { name: 'SKF 6205', rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0, multiples: { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 } },
      nominalShaftHz: 24.75,
      channels: [{ id: 'de_accel', source: 'daq', sampleRateHz: 25600, windowSize: 8192, hopSize: 4096, maxFrameSamples: 8192 }],
      setpoints: EXPECTED_ASSETS[1]!.setpoints,
      commissioningWindows: 300,
    },
  ],
  outputs: [
    { kind: 'mqtt', source: 'broker', ackTimeoutMs: 400, qos: 1 },
    { kind: 'modbus', host: '10.1.0.5', port: 502, unitId: 1, coils: { 'pump-7': 20, 'fan-3': 21 }, verify: true },
  ],
  watchdog: { kind: 'modbus', host: '10.1.0.5', port: 502, unitId: 1, coil: 99, periodMs: 500 },
};

/**
 * Eight mistakes a commissioning engineer makes: a site id with a '/', a key written twice, text for a
 * number, a mistyped source, a negative rate, a mistyped key, a copied asset id, a forgotten name.
 */
const MISTAKES = `site: east/mill
sources:
  - id: broker
    kind: mqtt
    url: mqtt://10.1.0.2:1883
  - id: plc
    kind: modbus
    host: 10.1.0.5
    port: 502
    port: 503
    pollMs: fast
    registers:
      - { address: 0, type: input, format: uint16, assetId: pump-7, channelId: speed, unit: Hz }
assets:
  - id: pump-7
    name: Feed pump P-7
    bearing: { name: SKF 6309, rollingElements: 8, rollerDiameterMm: 17.462, pitchDiameterMm: 72.5 }
    nominalRpm: 2970
    channels:
      - id: de_accel
        source: brokr
        sampleRateHz: -5
        windowSize: 4096
        hopsize: 1024
    setpoints:
      score: { alert: 1, danger: 3, onDelayWindows: 2 }
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 }
  - id: pump-7
    bearing: { name: SKF 6205, rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04 }
    nominalShaftHz: 24.75
    channels:
      - { id: de_accel, source: broker, sampleRateHz: 25600, windowSize: 8192 }
    setpoints:
      score: { alert: 1, danger: 3, onDelayWindows: 3 }
      velocityMmS: { alert: 2.8, danger: 4.5, onDelayWindows: 3 }
outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 400 }
`;

describe('plant configuration: parsePlantConfig', () => {
  it('given a complete plant (MQTT, Modbus and OPC UA sources, two assets, MQTT and Modbus trips, a watchdog), when parsed, then the config has its defaults filled and the assets are the AssetConfigs the engine accepts', () => {
    const r = parsePlantConfig(VALID_PLANT, 'plant.yaml');
    expect(report(r)).toBe('');
    expect(r).toEqual({ ok: true, config: EXPECTED_CONFIG, assets: EXPECTED_ASSETS });
    expect(EXPECTED_ASSETS.map((a) => AssetConfigSchema.safeParse(a).success)).toEqual([true, true]);
  });

  it('given the same plant written as JSON, when parsed, then it yields the same result', () => {
    const fromYaml = parsePlantConfig(VALID_PLANT, 'plant.yaml');
    const json = JSON.stringify(fromYaml.ok ? fromYaml.config : null, null, '\t');
    expect(parsePlantConfig(json, 'plant.json')).toEqual(fromYaml);
  });

  it('given a file with eight mistakes, when parsed, then every one is reported at once, sorted by line, each at its own line', () => {
    expect(report(parsePlantConfig(MISTAKES, 'plant.yaml'))).toBe(
      [
        'plant.yaml:1:1 site: "east/mill" contains /, +, # or NUL, which MQTT topic levels cannot carry',
        "plant.yaml:10:5 sources[1].port: duplicate key 'port': already set on line 9 (a key may appear once in an object)",
        'plant.yaml:11:5 sources[1].pollMs: expected a number, got "fast"',
        "plant.yaml:21:9 assets[0].channels[0].source: unknown source 'brokr' (did you mean 'broker'?)",
        'plant.yaml:22:9 assets[0].channels[0].sampleRateHz: expected a positive number, got -5',
        "plant.yaml:24:9 assets[0].channels[0].hopsize: unknown key 'hopsize' (did you mean 'hopSize'?)",
        "plant.yaml:28:5 assets[1].id: duplicate asset id 'pump-7': assets[0] on line 15 has it too",
        'plant.yaml:28:5 assets[1].name: missing required field',
      ].join('\n'),
    );
  });

  it('given a YAML syntax error (a tab used for indentation), when parsed, then only it is reported, at the position the parser gives, with a word on the errors that follow from it', () => {
    const text = edit(VALID_PLANT, '    kind: modbus\n', '\tkind: modbus\n');
    expect(report(parsePlantConfig(text, 'plant.yaml'))).toBe(
      'plant.yaml:9:1 YAML syntax: Tabs are not allowed as indentation; errors the parser finds on 3 later lines may follow from this one',
    );
  });

  it('given an empty file, then it is one error that says so', () => {
    expect(parsePlantConfig('# nothing yet\n', 'plant.yaml')).toEqual({
      ok: false,
      errors: [{ line: 1, column: 1, path: '', message: 'plant.yaml is empty: start from engine/config/plant/example-plant.yaml' }],
    });
  });
});

describe('plant configuration: loadPlantConfig', () => {
  it('given engine.featureThreads, then 2 is taken, absent is 0, and a negative count or a misspelt key is an error at its line', () => {
    const withEngine = (block: string): PlantConfigResult => parsePlantConfig(`${VALID_PLANT}engine:\n${block}`, 'plant.yaml');
    const two = withEngine('  featureThreads: 2\n');
    expect(two.ok && two.config.engine).toEqual({ featureThreads: 2 });
    const none = parsePlantConfig(VALID_PLANT, 'plant.yaml');
    expect(none.ok && none.config.engine).toBeUndefined();
    const lines = VALID_PLANT.split('\n').length;
    expect(report(withEngine('  featureThreads: -1\n'))).toContain(`plant.yaml:${lines + 1}:`);
    expect(report(withEngine('  featureThreads: -1\n'))).toContain('engine.featureThreads');
    expect(report(withEngine('  featureTreads: 2\n'))).toContain('featureTreads');
  });

  it('given the example plant shipped as documentation, when loaded, then it parses cleanly into a pump and a fan the engine accepts', async () => {
    const r = await loadPlantConfig(join(import.meta.dirname, '../../../../engine/config/plant/example-plant.yaml'));
    expect(report(r)).toBe('');
    const assets = r.ok ? r.assets : [];
    expect(assets.map((a) => [a.assetId, a.bearing.name, a.nominalShaftHz, AssetConfigSchema.safeParse(a).success])).toEqual([
      ['pump-101', 'SKF 6309', 49.5, true],
      ['fan-201', 'SKF 6205-2RS (fan drive end)', 24.75, true],
    ]);
  });

  it('given a path where no file is, when loaded, then the result is one error for the whole file saying so', async () => {
    const r = await loadPlantConfig('/nonexistent/plant.yaml');
    expect(r).toEqual({ ok: false, errors: [{ line: 0, column: 0, path: '', message: 'cannot read the plant configuration: no such file' }] });
    expect(report(r)).toBe('plant.yaml: cannot read the plant configuration: no such file');
  });
});

