import * as path from 'path';
import { DEFAULT_OPTIONS, POLICY_NAMES, PolicyName, replay, ReplayOptions } from './replay';
import { htmlReport, resultsTable, timelineCsv } from './report';
import { parseTrace, TraceError } from './trace';

/** What the command touches, so tests can run it in process. */
export interface CommandIo {
  readFile(file: string): string;
  writeFile(file: string, text: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = 'usage: cdk-kinesis-autoscaling replay <trace.csv> [--peak-mib N] [--record-bytes N] [--policy NAME]... '
  + '[--metric-lag MIN] [--hot-key-share F] [--json] [--timeline FILE] [--report FILE.html]';

/** A problem with how the command was called: exit code 2. */
class UsageError extends Error {}

interface Parsed {
  readonly tracePath: string;
  readonly options: ReplayOptions;
  readonly json: boolean;
  readonly timeline?: string;
  readonly report?: string;
}

/**
 * Runs the command; returns the exit code. Every failure is one line on stderr that names the problem (and the row
 * of the trace); nothing throws.
 */
export function main(argv: readonly string[], io: CommandIo): number {
  let parsed: Parsed;
  try {
    parsed = parseArguments(argv);
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    let text: string;
    try {
      text = io.readFile(parsed.tracePath);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new TraceError(code === 'ENOENT' ? `${parsed.tracePath}: no such file` : `${parsed.tracePath}: cannot be read (${code ?? (e as Error).message})`);
    }
    const trace = parseTrace(text, parsed.tracePath);
    const simulations = replay(trace, parsed.options);
    const results = simulations.map((s) => s.result);
    const { peakMiBps, recordBytes } = parsed.options;
    if (parsed.json) {
      io.stdout(`${JSON.stringify({ trace: parsed.tracePath, minutes: trace.minutes.length, peakMiBps, recordBytes, results })}\n`);
    } else {
      io.stdout(`${path.basename(parsed.tracePath)}: ${trace.minutes.length} minutes, peak ${peakMiBps} MiB/s, ${recordBytes}-byte records\n\n${resultsTable(results)}\n`);
    }
    if (parsed.timeline) io.writeFile(parsed.timeline, timelineCsv(simulations));
    if (parsed.report) {
      io.writeFile(parsed.report, htmlReport(path.basename(parsed.tracePath),
        `${trace.minutes.length} minutes, peak ${peakMiBps} MiB/s, ${recordBytes}-byte records, metrics visible after ${parsed.options.metricLagMinutes} minutes`, simulations));
    }
    return 0;
  } catch (e) {
    const message = e instanceof TraceError ? e.message : `unexpected failure: ${(e as Error).message ?? String(e)}`;
    io.stderr(`error: ${message}\n`);
    return 1;
  }
}

function parseArguments(argv: readonly string[]): Parsed {
  const [command, ...rest] = argv;
  if (command !== 'replay') throw new UsageError(command === undefined ? 'missing command "replay"' : `unknown command ${JSON.stringify(command)}`);
  let tracePath: string | undefined;
  const options: { -readonly [K in keyof ReplayOptions]: ReplayOptions[K] } = { ...DEFAULT_OPTIONS, policies: [] };
  const policies: PolicyName[] = [];
  let json = false;
  let timeline: string | undefined;
  let report: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const next = rest[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--peak-mib': options.peakMiBps = positive(arg, value()); break;
      case '--record-bytes': options.recordBytes = wholeInRange(arg, value(), 1, 10 * 1024 * 1024); break;
      case '--metric-lag': options.metricLagMinutes = wholeInRange(arg, value(), 0, 60); break;
      case '--hot-key-share': options.hotKeyShare = fraction(arg, value()); break;
      case '--policy': {
        const name = value();
        if (!(POLICY_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown policy ${JSON.stringify(name)}; policies are ${POLICY_NAMES.join(', ')}`);
        policies.push(name as PolicyName);
        break;
      }
      case '--json': json = true; break;
      case '--timeline': timeline = value(); break;
      case '--report': report = value(); break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
        if (tracePath !== undefined) throw new UsageError(`one trace at a time, received ${JSON.stringify(tracePath)} and ${JSON.stringify(arg)}`);
        tracePath = arg;
    }
  }
  if (tracePath === undefined) throw new UsageError('missing the trace file');
  options.policies = policies.length > 0 ? [...new Set(policies)] : POLICY_NAMES;
  return { tracePath, options, json, timeline, report };
}

function positive(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} must be a positive number, received ${JSON.stringify(text)}`);
  return n;
}

function wholeInRange(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, received ${JSON.stringify(text)}`);
  return n;
}

function fraction(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`${option} must be a number from 0 up to (not including) 1, received ${JSON.stringify(text)}`);
  return n;
}
