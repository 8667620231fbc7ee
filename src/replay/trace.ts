/**
 * A traffic trace: `timestamp,value` rows with a header, as CloudWatch or any rate series exports them. Each sample
 * holds until the next sample's timestamp; the last one holds for one sample interval.
 */
export interface Trace {
  /** Per simulated minute, the trace's value (relative; scaled later). */
  readonly minutes: readonly number[];
  /** The largest value. */
  readonly peak: number;
}

/** A trace that cannot be read: the message names the problem and, where there is one, the row. */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

const MINUTE_MS = 60_000;

/** Parses the CSV text of a trace; `name` is used in messages. */
export function parseTrace(text: string, name: string): Trace {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new TraceError(`${name} is empty: expected a header "timestamp,value" and at least one row`);
  const header = lines[0].split(',').map((cell) => cell.trim().toLowerCase());
  if (header.length < 2 || !Number.isNaN(Number(header[1])) || parseTimestamp(header[0]) !== undefined) {
    throw new TraceError(`${name} row 1: expected a header such as "timestamp,value", found ${JSON.stringify(lines[0])}`);
  }
  if (lines.length === 1) throw new TraceError(`${name} has a header but no rows`);

  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = i + 1;
    const cells = lines[i].split(',');
    if (cells.length !== 2) throw new TraceError(`${name} row ${row}: expected 2 columns (timestamp,value), found ${cells.length}: ${JSON.stringify(lines[i])}`);
    const time = parseTimestamp(cells[0].trim());
    if (time === undefined) throw new TraceError(`${name} row ${row}: ${JSON.stringify(cells[0].trim())} is not a timestamp`);
    const value = Number(cells[1].trim());
    if (cells[1].trim() === '' || !Number.isFinite(value)) throw new TraceError(`${name} row ${row}: ${JSON.stringify(cells[1].trim())} is not a number`);
    if (value < 0) throw new TraceError(`${name} row ${row}: value ${value} is negative`);
    if (times.length > 0 && time <= times[times.length - 1]) {
      throw new TraceError(`${name} row ${row}: timestamp ${cells[0].trim()} is not after the previous row's; rows must be in increasing time order`);
    }
    times.push(time);
    values.push(value);
  }

  const interval = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : MINUTE_MS;
  const end = times[times.length - 1] + interval;
  const count = Math.max(1, Math.round((end - times[0]) / MINUTE_MS));
  const minutes: number[] = new Array(count);
  let sample = 0;
  for (let m = 0; m < count; m++) {
    const at = times[0] + m * MINUTE_MS;
    while (sample + 1 < times.length && times[sample + 1] <= at) sample++;
    minutes[m] = values[sample];
  }
  const peak = values.reduce((a, b) => Math.max(a, b), 0);
  if (peak === 0) throw new TraceError(`${name}: every value is 0, so there is no peak to scale to`);
  return { minutes, peak };
}

/** ISO-8601, "YYYY-MM-DD HH:MM:SS" (read as UTC) or epoch seconds / milliseconds. */
function parseTimestamp(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
