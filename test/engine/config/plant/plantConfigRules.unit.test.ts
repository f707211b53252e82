import { describe, expect, it } from 'vitest';
import { formatPlantConfigErrors, parsePlantConfig } from '../../../../engine/config/plant/loadPlantConfig';
import { edit, VALID_PLANT } from './validPlantFixture';

/** The plant's formatted errors ('' when it parses): what the commissioning engineer reads. */
function errorsOf(text: string): string {
  const r = parsePlantConfig(text, 'plant.yaml');
  return r.ok ? '' : formatPlantConfigErrors('plant.yaml', r.errors);
}

const OUTPUTS = `outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 400 }
  - kind: modbus
    host: 10.1.0.5
    coils: { pump-7: 20, fan-3: 21 }
`;
const BROKER_URL = '    url: mqtt://10.1.0.2:1883\n';
const PUMP_CHANNEL = '      - { id: de_accel, source: broker, sampleRateHz: 12800, windowSize: 4096 }\n';
const FAN_NODE = 'channelId: de_accel, kind: waveform, samplingIntervalMs: 100, sampleRateHz: 25600';
const withFanProtection = (groups: string): string => edit(VALID_PLANT, '    commissioningWindows: 300\n', `    commissioningWindows: 300\n    protection:\n      groups:\n${groups}`);

describe('plant configuration rules: each mistake in an otherwise valid plant, at its line', () => {
  it.each<[string, string, string]>([
    ['outputs left out', edit(VALID_PLANT, OUTPUTS, ''), 'plant.yaml:1:1 outputs: missing required field: list the trip outputs, or write none for a plant Vigil only monitors'],
    [
      'an asset no output trips',
      edit(edit(VALID_PLANT, 'ackTimeoutMs: 400 }', 'ackTimeoutMs: 400, assets: [pump-7] }'), 'pump-7: 20, fan-3: 21', 'pump-7: 20'),
      "plant.yaml:31:5 assets[1]: asset 'fan-3' has no trip output: add it to an output (an mqtt output without assets trips every asset), or write outputs: none for a plant Vigil only monitors",
    ],
    ['trip commands through a Modbus source', edit(VALID_PLANT, 'source: broker, ackTimeoutMs', 'source: plc, ackTimeoutMs'), "plant.yaml:47:19 outputs[0].source: source 'plc' is a modbus source: trip commands go through an mqtt source"],
    ['two assets on one coil', edit(VALID_PLANT, 'fan-3: 21', 'fan-3: 20'), "plant.yaml:50:26 outputs[1].coils.fan-3: coil 20 of 10.1.0.5:502 unit 1 is already pump-7's trip coil (line 50): each asset needs its own"],
    ['events through a Modbus source', `${VALID_PLANT}events: { source: plc }\n`, "plant.yaml:52:11 events.source: source 'plc' is a modbus source: events go through an mqtt source"],
    ['a NATS server given as an MQTT URL', `${VALID_PLANT}scaleout: { nats: ['mqtt://10.1.0.9:4222'] }\n`, 'plant.yaml:52:20 scaleout.nats[0]: expected a NATS server such as "nats://nats.plant.local:4222" (nats:// or tls://, no credentials), got "mqtt://10.1.0.9:4222"'],
    ['the watchdog on a trip coil', edit(VALID_PLANT, 'coil: 99', 'coil: 21'), "plant.yaml:51:43 watchdog.coil: coil 21 of 10.1.0.5:502 unit 1 is fan-3's trip coil (line 50): the watchdog needs a coil of its own"],
    [
      'a password in the file',
      edit(VALID_PLANT, BROKER_URL, '    url: mqtt://vigil:s3cret@10.1.0.2:1883\n    password: s3cret\n'),
      [
        'plant.yaml:7:5 sources[0].url: the URL carries credentials: give the user in username and the password through passwordEnv',
        "plant.yaml:8:5 sources[0].password: unknown key 'password': a plant file is not a secret store: put the password in an environment variable and name it in passwordEnv",
      ].join('\n'),
    ],
    [
      'a shared subscription on MQTT 3.1.1',
      edit(VALID_PLANT, BROKER_URL, `${BROKER_URL}    protocolVersion: 4\n    sharedGroup: engines\n`),
      'plant.yaml:9:5 sources[0].sharedGroup: shared subscriptions need MQTT 5: set protocolVersion: 5 or remove sharedGroup',
    ],
    [
      'a word order on a 16-bit register and a float at the last address',
      edit(edit(VALID_PLANT, 'format: int16,', 'format: int16, wordOrder: big,'), 'address: 8,', 'address: 65535,'),
      [
        'plant.yaml:14:51 sources[1].registers[1].wordOrder: wordOrder applies to 32-bit formats; int16 is one register',
        'plant.yaml:15:11 sources[1].registers[2].address: a float32 spans two registers, and 65535 is the last one',
      ].join('\n'),
    ],
    [
      'a waveform channel on a Modbus source',
      edit(VALID_PLANT, 'source: broker, sampleRateHz: 12800', 'source: plc, sampleRateHz: 12800'),
      "plant.yaml:27:25 assets[0].channels[0].source: source 'plc' is a Modbus device, which carries slow values, not waveforms or feature vectors: use an mqtt, sparkplug or opcua source",
    ],
    [
      'an OPC UA node at another rate than its channel',
      edit(VALID_PLANT, 'sampleRateHz: 25600 }', 'sampleRateHz: 51200 }'),
      'plant.yaml:20:113 sources[2].nodes[0].sampleRateHz: 51200 Hz differs from channel fan-3/de_accel (25600 Hz on line 41)',
    ],
    [
      'an OPC UA channel with no waveform node',
      edit(VALID_PLANT, FAN_NODE, 'channelId: speed, kind: value, samplingIntervalMs: 100'),
      "plant.yaml:41:25 assets[1].channels[0].source: OPC UA source 'daq' has no waveform node for fan-3/de_accel: add one to its nodes",
    ],
    [
      'a register for an unknown asset and a channel fed twice',
      edit(edit(VALID_PLANT, 'assetId: fan-3, channelId: load', 'assetId: fan-30, channelId: load'), 'channelId: de_temperature', 'channelId: speed'),
      [
        'plant.yaml:14:93 sources[1].registers[1].channelId: pump-7/speed is already fed by sources[1].registers[0] on line 13',
        "plant.yaml:15:74 sources[1].registers[2].assetId: unknown asset 'fan-30' (did you mean 'fan-3'?)",
      ].join('\n'),
    ],
    ['a mistyped bearing name', edit(VALID_PLANT, 'bearing: SKF 6309', 'bearing: SKF 6390'), "plant.yaml:24:5 assets[0].bearing: unknown bearing 'SKF 6390' (did you mean 'SKF 6309'?)"],
    ['speed given twice', edit(VALID_PLANT, '    nominalRpm: 2970\n', '    nominalRpm: 2970\n    nominalShaftHz: 49.5\n'), 'plant.yaml:25:5 assets[0].nominalRpm: give nominalRpm or nominalShaftHz, not both'],
    ['a danger level below alert (the contract\'s own check)', edit(VALID_PLANT, 'alert: 1, danger: 3, onDelayWindows: 2', 'alert: 1, danger: 0.5, onDelayWindows: 2'), 'plant.yaml:29:7 assets[0].setpoints.score: danger must be at or above alert'],
    ['an asset with no channel (the contract\'s own check)', edit(VALID_PLANT, `    channels:\n${PUMP_CHANNEL}`, '    channels: []\n'), 'plant.yaml:22:5 assets[0]: an asset needs at least one channel'],
    ['a source kind that does not exist', edit(VALID_PLANT, 'kind: opcua', 'kind: opc-ua'), 'plant.yaml:17:5 sources[2].kind: expected one of \'mqtt\', \'sparkplug\', \'opcua\' or \'modbus\', got "opc-ua"'],
    ['a source without a kind', edit(VALID_PLANT, '    kind: mqtt\n', ''), "plant.yaml:5:5 sources[0].kind: missing required field: one of 'mqtt', 'sparkplug', 'opcua' or 'modbus'"],
    [
      'two sources with one id',
      edit(VALID_PLANT, '  - id: daq\n', '  - id: plc\n'),
      ["plant.yaml:16:5 sources[2].id: duplicate source id 'plc': sources[1] on line 8 has it too", "plant.yaml:41:25 assets[1].channels[0].source: unknown source 'daq'; sources: broker, plc"].join('\n'),
    ],
    ['a channel id used twice on an asset', edit(VALID_PLANT, PUMP_CHANNEL, PUMP_CHANNEL.repeat(2)), "plant.yaml:28:11 assets[0].channels[1].id: duplicate channel id 'de_accel' on this asset: already on line 27"],
    [
      'voted protection groups with a wrong vote and a negative delay',
      withFanProtection(
        [
          '        - { id: velocity, quantity: { kind: velocityMmS }, alert: 2.8, danger: 4.5, onDelayMs: 2000, voting: 2oo2, channels: [de_accel], qualityPolicy: alarm-only }\n',
          '        - { id: score, quantity: { kind: score }, alert: 1, danger: 3, onDelayMs: -1, voting: 1oo1, channels: [de_accel], qualityPolicy: alarm-only }\n',
        ].join(''),
      ),
      [
        'plant.yaml:48:102 assets[1].protection.groups[0].voting: voting 2oo2 needs 2 channels but the group has 1 (de_accel): add 1 channel or choose a 1-channel mode (1oo1)',
        'plant.yaml:49:72 assets[1].protection.groups[1].onDelayMs: onDelayMs must be ≥ 0 ms, got -1 (a delay cannot be negative)',
      ].join('\n'),
    ],
    [
      'a protection group on a channel the asset lacks',
      withFanProtection('        - { id: score, quantity: { kind: score }, alert: 1, danger: 3, onDelayMs: 0, voting: 1oo1, channels: [nde_accel], qualityPolicy: alarm-only }\n'),
      "plant.yaml:48:100 assets[1].protection.groups[0].channels: asset fan-3 has no channel 'nde_accel' (it has de_accel)",
    ],
    ['yes for true, as YAML 1.1 allowed', edit(VALID_PLANT, OUTPUTS, `${OUTPUTS}    verify: yes\n`), 'plant.yaml:51:5 outputs[1].verify: expected true or false, got "yes"'],
  ])('given %s, then the errors are exactly the expected ones', (_, text, expected) => {
    expect(errorsOf(text)).toBe(expected);
  });
});

describe('plant configuration rules: a plant Vigil only monitors', () => {
  it('given outputs: none, when parsed, then it loads with no outputs and its assets built', () => {
    const r = parsePlantConfig(edit(VALID_PLANT, OUTPUTS, 'outputs: none\n'), 'plant.yaml');
    expect(r.ok ? { outputs: r.config.outputs, assets: r.assets.map((a) => a.assetId) } : r.errors).toEqual({ outputs: 'none', assets: ['pump-7', 'fan-3'] });
  });

  it('given an empty list of outputs, then it says to list them or write none', () => {
    expect(errorsOf(edit(VALID_PLANT, OUTPUTS, 'outputs: []\n'))).toBe('plant.yaml:46:1 outputs: expected at least one trip output: list them, or write none for a plant Vigil only monitors');
  });
});

describe('plant configuration rules for Sparkplug B sources', () => {
  const plant = (metrics: string): string => `site: s
sources:
  - id: edge
    kind: sparkplug
    url: mqtt://10.1.0.2:1883
    groupId: plant1
    edgeNodes: [gw-1]
    metrics:
${metrics}assets:
  - id: pump-1
    name: Pump
    bearing: { name: b, rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04 }
    nominalShaftHz: 25
    channels:
      - { id: de_accel, source: edge, sampleRateHz: 12800, windowSize: 4096 }
    setpoints:
      score: { alert: 1, danger: 3, onDelayWindows: 2 }
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 }
outputs: none
`;
  const wave = '      - { edgeNode: gw-1, device: pump-1, metric: DE/Accel, assetId: pump-1, channelId: de_accel, kind: waveform, sampleRateHz: 12800 }\n';

  it('given metrics that map the waveform channel, then the plant loads', () => {
    expect(errorsOf(plant(wave))).toBe('');
  });

  it('given a metric of an edge node the source does not follow, and a waveform channel without its metric, then each is reported at its line', () => {
    expect(errorsOf(plant('      - { edgeNode: gw-2, metric: Line/Speed, assetId: pump-1, channelId: speed, kind: value }\n'))).toBe(
      [
        "plant.yaml:9:11 sources[0].metrics[0].edgeNode: edge node 'gw-2' is not among this source's edgeNodes (gw-1): its data would never be read",
        "plant.yaml:16:25 assets[0].channels[0].source: Sparkplug source 'edge' has no waveform metric for pump-1/de_accel: add one to its metrics",
      ].join('\n'),
    );
  });
});
