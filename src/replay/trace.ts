/**
 * A traffic trace, in one of two CSV formats (each with its header):
 * - `timestamp,value`: a relative rate series (any export); it is scaled to a peak and a record size;
 * - `timestamp,bytes,records,throttled_records`: what a stream measured (as `import` writes it from CloudWatch): per
 *   row, the totals from its timestamp to the next row's, so real record sizes replay with no guess.
 * Each row holds until the next row's timestamp; the last one holds for the interval before it.
 */
export interface Trace {
  readonly format: 'relative' | 'measured';
  /** Epoch milliseconds of the first minute. */
  readonly startMs: number;
  /** Per simulated minute: the relative value, or (measured) write demand in bytes/s. */
  readonly minutes: readonly number[];
  /** Measured traces only: write demand in records/s per minute. */
  readonly records?: readonly number[];
  /** The largest value of `minutes`. */
  readonly peak: number;
}

/** A trace that cannot be read: the message names the problem and, where there is one, the row. */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

export const RELATIVE_HEADER = ['timestamp', 'value'] as const;
export const MEASURED_HEADER = ['timestamp', 'bytes', 'records', 'throttled_records'] as const;
const EXPECTED = `"${RELATIVE_HEADER.join(',')}" or "${MEASURED_HEADER.join(',')}"`;

const MINUTE_MS = 60_000;
/** The longest trace replayed: a year of minutes bounds memory whatever the file says. */
export const MAX_TRACE_MINUTES = 366 * 24 * 60;

/** Parses the CSV text of a trace; `name` is used in messages. */
export function parseTrace(text: string, name: string): Trace {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new TraceError(`${name} is empty: expected a header ${EXPECTED} and at least one row`);
  const header = lines[0].split(',').map((cell) => cell.trim().toLowerCase());
  const format = sameColumns(header, RELATIVE_HEADER) ? 'relative' : sameColumns(header, MEASURED_HEADER) ? 'measured' : undefined;
  if (!format) {
    const looksLikeData = header.some((cell) => parseTimestamp(cell) !== undefined || (cell !== '' && !Number.isNaN(Number(cell))));
    throw new TraceError(`${name} row 1: expected the header ${EXPECTED}, found ${looksLikeData ? 'a data row' : 'the header'} ${JSON.stringify(lines[0])}`);
  }
  const columns = format === 'relative' ? RELATIVE_HEADER : MEASURED_HEADER;
  if (lines.length === 1) throw new TraceError(`${name} has a header but no rows`);

  const times: number[] = [];
  const rows: number[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = i + 1;
    const cells = lines[i].split(',').map((cell) => cell.trim());
    if (cells.length !== columns.length) {
      throw new TraceError(`${name} row ${row}: expected ${columns.length} columns (${columns.join(',')}), found ${cells.length}: ${JSON.stringify(lines[i])}`);
    }
    const time = parseTimestamp(cells[0]);
    if (time === undefined) {
      const swapped = cells.slice(1).some((cell) => parseTimestamp(cell) !== undefined && Number.isNaN(Number(cell)));
      throw new TraceError(`${name} row ${row}: ${JSON.stringify(cells[0])} is not a timestamp${swapped ? `; the columns look swapped: the first must be the timestamp (${columns.join(',')})` : ''}`);
    }
    const values = cells.slice(1).map((cell, c) => {
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) {
        const hint = parseTimestamp(cell) !== undefined ? `; the columns look swapped: expected ${columns.join(',')}` : '';
        throw new TraceError(`${name} row ${row}: ${columns[c + 1]} ${JSON.stringify(cell)} is not a number${hint}`);
      }
      if (value < 0) throw new TraceError(`${name} row ${row}: ${columns[c + 1]} ${value} is negative`);
      return value;
    });
    if (times.length > 0 && time <= times[times.length - 1]) {
      throw new TraceError(`${name} row ${row}: timestamp ${cells[0]} is not after the previous row's; rows must be in increasing time order`);
    }
    times.push(time);
    rows.push(values);
  }

  const interval = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : MINUTE_MS;
  const end = times[times.length - 1] + interval;
  const count = Math.max(1, Math.round((end - times[0]) / MINUTE_MS));
  if (count > MAX_TRACE_MINUTES) {
    throw new TraceError(`${name} spans ${Math.round(count / 1440)} days; the replay takes at most ${MAX_TRACE_MINUTES / 1440} days of traffic`);
  }
  // A measured row is a total over its interval: spread it as a rate over that interval's minutes.
  const seconds = (k: number) => ((k + 1 < times.length ? times[k + 1] : end) - times[k]) / 1000;
  const rate = (k: number, column: number) => (format === 'relative' ? rows[k][column] : rows[k][column] / seconds(k));
  const minutes: number[] = new Array(count);
  const records: number[] | undefined = format === 'measured' ? new Array(count) : undefined;
  let sample = 0;
  for (let m = 0; m < count; m++) {
    const at = times[0] + m * MINUTE_MS;
    while (sample + 1 < times.length && times[sample + 1] <= at) sample++;
    if (records) {
      // IncomingBytes and IncomingRecords count accepted writes only: throttled records were demand too, and are
      // added at the row's average record size (an upper bound, since a retried record is refused more than once).
      const accepted = rate(sample, 1);
      const throttled = rate(sample, 2);
      const recordBytes = accepted > 0 ? rate(sample, 0) / accepted : 0;
      records[m] = accepted + (recordBytes > 0 ? throttled : 0);
      minutes[m] = rate(sample, 0) + throttled * recordBytes;
    } else {
      minutes[m] = rate(sample, 0);
    }
  }
  const peak = minutes.reduce((a, b) => Math.max(a, b), 0);
  if (peak === 0) throw new TraceError(`${name}: every ${format === 'relative' ? 'value' : 'bytes value'} is 0, so there is no traffic to replay`);
  return { format, startMs: times[0], minutes, records, peak };
}

function sameColumns(header: readonly string[], expected: readonly string[]): boolean {
  return header.length === expected.length && header.every((cell, i) => cell === expected[i]);
}

/** ISO-8601, "YYYY-MM-DD HH:MM:SS" (read as UTC) or epoch seconds / milliseconds. */
export function parseTimestamp(text: string): number | undefined {
  if (/^\d{9,}(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
