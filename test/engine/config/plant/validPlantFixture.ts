/**
 * A complete, valid plant file: two assets (one bearing from the catalogue, one written out with the
 * maker's multiples), an MQTT broker, a Modbus PLC with scaled registers, an OPC UA DAQ, MQTT and
 * Modbus trip outputs and a Modbus watchdog. Shared by the loader's tests and the rule tests, which
 * change one thing in it per case. Line numbers matter: the tests name them.
 */
export const VALID_PLANT = `site: east-mill
bearings:
  SKF 6309: { rollingElements: 8, rollerDiameterMm: 17.462, pitchDiameterMm: 72.5 }
sources:
  - id: broker
    kind: mqtt
    url: mqtt://10.1.0.2:1883
  - id: plc
    kind: modbus
    host: 10.1.0.5
    pollMs: 250
    registers:
      - { address: 0, type: input, format: uint16, scale: 0.01, assetId: pump-7, channelId: speed, unit: Hz }
      - { address: 1, type: input, format: int16, scale: 0.1, offset: -40, assetId: pump-7, channelId: de_temperature, unit: °C }
      - { address: 8, type: holding, format: float32, wordOrder: little, assetId: fan-3, channelId: load, unit: '%' }
  - id: daq
    kind: opcua
    endpointUrl: opc.tcp://10.1.0.9:4840
    nodes:
      - { nodeId: ns=2;s=Fan3.DE, assetId: fan-3, channelId: de_accel, kind: waveform, samplingIntervalMs: 100, sampleRateHz: 25600 }
assets:
  - id: pump-7
    name: Feed pump P-7
    bearing: SKF 6309
    nominalRpm: 2970
    channels:
      - { id: de_accel, source: broker, sampleRateHz: 12800, windowSize: 4096 }
    setpoints:
      score: { alert: 1, danger: 3, onDelayWindows: 2 }
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 }
  - id: fan-3
    name: Exhaust fan F-3
    bearing:
      name: SKF 6205
      rollingElements: 9
      rollerDiameterMm: 7.94
      pitchDiameterMm: 39.04
      multiples: { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 }
    nominalShaftHz: 24.75
    channels:
      - { id: de_accel, source: daq, sampleRateHz: 25600, windowSize: 8192, hopSize: 4096, maxFrameSamples: 8192 }
    setpoints:
      score: { alert: 1, danger: 3, onDelayWindows: 3 }
      velocityMmS: { alert: 2.8, danger: 4.5, onDelayWindows: 3 }
    commissioningWindows: 300
outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 400 }
  - kind: modbus
    host: 10.1.0.5
    coils: { pump-7: 20, fan-3: 21 }
watchdog: { kind: modbus, host: 10.1.0.5, coil: 99, periodMs: 500 }
`;

/** `text` with `from` replaced by `to`; throws when `from` is not there, so a fixture edit cannot silently miss. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture edit: ${JSON.stringify(from)} not found`);
  return text.replace(from, to);
}
