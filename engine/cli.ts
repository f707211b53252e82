import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { evaluateCwru } from './evaluate/evaluateCwru';
import { evaluateIms } from './evaluate/evaluateIms';
import { evaluateNab } from './evaluate/evaluateNab';
import { scalarNabDetector } from './scalar/scalarNabDetector';
import { replayCommand } from './evaluate/replayCommand';
import { serveCommand } from './service/serveCommand';
import { benchCommand } from './bench/benchCommand';
import { incidentCommand } from './incident/incidentCommand';
import { alarmsCommand } from './alarm/storedKpis';
import { checkPlantCommand } from './config/plant/checkPlantCommand';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

const USAGE = `usage:
  vigil serve [--port N] [--host ADDR] [--db FILE] [--seed N] [--machines N] [--duration S] [--ui DIR] [--mqtt embedded|URL | --plant FILE [--engine-id NAME]]
  vigil evaluate cwru --data DIR --out FILE.json [--precision int8|fp32]
  vigil evaluate ims  --data DIR --out FILE.json [--precision int8|fp32]
  vigil evaluate nab  --data DIR --out DIR
  vigil replay --data DIR --file NAME [--fast] [--db FILE]
  vigil bench [--out FILE.json] [--seconds S]
  vigil incident --db FILE [--asset ID] [--id INCIDENT --format json|csv|html --out FILE]
  vigil alarms --db FILE [--from TIME] [--to TIME]
  vigil check-plant FILE      (a plant configuration: every mistake, with its line)`;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`missing --${name}`);
  return v;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function evaluate(args: string[]): Promise<number> {
  const [dataset, ...rest] = args;
  const { values, positionals } = parse(rest, { data: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' }, precision: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const data = need(values, 'data');
  const out = need(values, 'out');
  const log = values.quiet ? () => {} : (l: string) => console.log(l);
  const precision = values.precision ?? 'int8';
  if (precision !== 'int8' && precision !== 'fp32') throw new UsageError(`--precision must be int8 or fp32, got '${String(precision)}'`);
  if (dataset === 'cwru') {
    const report = await evaluateCwru(data, log, { precision });
    await writeJson(out, report);
    console.log(`summary: ${JSON.stringify(report.summary)}`);
  } else if (dataset === 'ims') {
    const report = await evaluateIms(data, log, { precision });
    await writeJson(out, report);
  } else if (dataset === 'nab') {
    if (values.precision !== undefined) throw new UsageError('--precision applies to cwru and ims; nab scores in TypeScript (online learning on every row)');
    const report = await evaluateNab({ dataDir: data, outDir: out, detector: scalarNabDetector(), log });
    const { standard, reward_low_fp: lowFp, reward_low_fn: lowFn } = report.scores;
    console.log(`NAB normalised scores: standard ${standard.toFixed(1)}, reward_low_FP ${lowFp.toFixed(1)}, reward_low_FN ${lowFn.toFixed(1)} (${report.files.length} series, ${report.wall_time_s.toFixed(0)} s)`);
  } else {
    throw new UsageError(`unknown dataset '${dataset ?? ''}': expected cwru, ims or nab`);
  }
  console.log(`wrote ${out}`);
  return 0;
}

/** Entry point of the `vigil` command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'evaluate':
        return await evaluate(rest);
      case 'replay': {
        const { values } = parse(rest, { data: { type: 'string' }, file: { type: 'string' }, fast: { type: 'boolean' }, db: { type: 'string' } });
        return await replayCommand({ data: need(values, 'data'), file: need(values, 'file'), fast: values.fast === true, db: values.db as string | undefined });
      }
      case 'serve': {
        const { values } = parse(rest, { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, seed: { type: 'string' }, machines: { type: 'string' }, duration: { type: 'string' }, ui: { type: 'string' }, mqtt: { type: 'string' }, plant: { type: 'string' }, 'engine-id': { type: 'string' } });
        if (values.host !== undefined && values.port === undefined) throw new UsageError('--host needs --port');
        const mqttOpt = values.mqtt as string | undefined;
        const plant = values.plant as string | undefined;
        const engineId = values['engine-id'] as string | undefined;
        if (engineId !== undefined && plant === undefined) throw new UsageError('--engine-id names an engine of a plant: use it with --plant');
        if (engineId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(engineId)) throw new UsageError(`--engine-id must be 1–64 letters, digits, '.', '_' or '-', got '${engineId}'`);
        if (plant !== undefined && (mqttOpt !== undefined || values.machines !== undefined)) throw new UsageError('--plant runs the plant the file describes: --mqtt and --machines are for the demo plant');
        if (mqttOpt !== undefined && mqttOpt !== 'embedded' && !/^(mqtts?|wss?):\/\//.test(mqttOpt)) throw new UsageError(`--mqtt must be 'embedded' or a broker URL (mqtt://host:port), got '${mqttOpt}'`);
        return await serveCommand({ port: optNumber(values.port, 'port'), host: values.host as string | undefined, db: values.db as string | undefined, seed: optNumber(values.seed, 'seed'), machines: optNumber(values.machines, 'machines'), durationS: optNumber(values.duration, 'duration'), uiDir: values.ui as string | undefined, ...(mqttOpt === undefined ? {} : { mqtt: mqttOpt }), ...(plant === undefined ? {} : { plant }), ...(engineId === undefined ? {} : { engineId }) });
      }
      case 'incident': {
        const { values } = parse(rest, { db: { type: 'string' }, id: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, asset: { type: 'string' } });
        const format = values.format as string | undefined;
        if (format !== undefined && format !== 'json' && format !== 'csv' && format !== 'html') throw new UsageError(`--format must be json, csv or html, got '${format}'`);
        return await incidentCommand({ db: need(values, 'db'), id: values.id as string | undefined, format, out: values.out as string | undefined, assetId: values.asset as string | undefined });
      }
      case 'check-plant': {
        const { positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new UsageError('check-plant takes one plant file: vigil check-plant FILE');
        return await checkPlantCommand(positionals[0]!);
      }
      case 'alarms': {
        const { values } = parse(rest, { db: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } });
        return alarmsCommand({ db: need(values, 'db'), from: values.from as string | undefined, to: values.to as string | undefined });
      }
      case 'bench': {
        const { values } = parse(rest, { out: { type: 'string' }, seconds: { type: 'string' } });
        return await benchCommand({ out: (values.out as string | undefined) ?? 'bench-results/bench.json', seconds: optNumber(values.seconds, 'seconds') });
      }
      case undefined:
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`vigil: ${err.message}\n${USAGE}`);
      return 2;
    }
    console.error(`vigil: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}

function optNumber(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got '${String(v)}'`);
  return n;
}
