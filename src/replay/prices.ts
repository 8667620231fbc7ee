/**
 * The prices the replay bills with, per region, each with where it comes from. Only regions whose every figure has a
 * source are built in; any other region (or a newer price) is read from a `--prices` file of the same shape.
 */
export interface PriceTable {
  readonly region: string;
  /** Where the figures come from and when they were taken. */
  readonly source: string;
  readonly retrieved: string;
  /** Provisioned: per shard-hour, and per million 25 KB PUT payload units. */
  readonly shardHour: number;
  readonly putPayloadUnitPerMillion: number;
  /** On-Demand Standard: per stream-hour, per GB written (records rounded up to 1 KB), per GB read per reader. */
  readonly onDemandStreamHour: number;
  readonly onDemandWritePerGb: number;
  readonly onDemandReadPerGb: number;
  /** Enhanced fan-out, provisioned: per consumer-shard-hour and per GB retrieved; On-Demand: per GB retrieved. */
  readonly efoConsumerShardHour: number;
  readonly efoPerGb: number;
  readonly onDemandEfoPerGb: number;
  /** CloudWatch: GetMetricData per 1,000 metrics requested; a shard-level metric billed as a custom metric per month. */
  readonly getMetricDataPerThousandMetrics: number;
  readonly customMetricMonth: number;
  /** Lambda (x86): per million requests and per GB-second. */
  readonly lambdaPerMillionRequests: number;
  readonly lambdaPerGbSecond: number;
}

/** Billing units (AWS bills GB as 2^30 bytes) and the month the monthly figures use (AWS's 730 hours). */
export const BILLING = {
  putPayloadUnitBytes: 25 * 1024,
  onDemandRecordRoundingBytes: 1024,
  gb: 2 ** 30,
  hoursPerMonth: 730,
} as const;

const KINESIS_SOURCE = 'AWS price list for Amazon Kinesis Data Streams (aws.amazon.com/kinesis/data-streams/pricing), '
  + 'as recorded in shared/kinesis-facts.md';

/**
 * Built-in tables. Add a region only with a source for every figure: a region with one figure missing is refused, never
 * filled in from another region. eu-west-1 and ap-southeast-2 are not built in because no citable source for their
 * Kinesis prices was at hand when these tables were written; users pass them with --prices.
 */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = {
  'us-east-1': {
    region: 'us-east-1',
    source: `${KINESIS_SOURCE}; CloudWatch: aws.amazon.com/cloudwatch/pricing (GetMetricData $0.01 per 1,000 metrics requested, `
      + 'custom metrics $0.30 per metric-month for the first 10,000); Lambda: aws.amazon.com/lambda/pricing (x86, first tier)',
    retrieved: '2026-11',
    shardHour: 0.015,
    putPayloadUnitPerMillion: 0.014,
    onDemandStreamHour: 0.04,
    onDemandWritePerGb: 0.08,
    onDemandReadPerGb: 0.04,
    efoConsumerShardHour: 0.015,
    efoPerGb: 0.013,
    onDemandEfoPerGb: 0.05,
    getMetricDataPerThousandMetrics: 0.01,
    customMetricMonth: 0.3,
    lambdaPerMillionRequests: 0.2,
    lambdaPerGbSecond: 0.0000166667,
  },
};

export const DEFAULT_REGION = 'us-east-1';

const NUMERIC_FIELDS = [
  'shardHour', 'putPayloadUnitPerMillion', 'onDemandStreamHour', 'onDemandWritePerGb', 'onDemandReadPerGb', 'efoConsumerShardHour',
  'efoPerGb', 'onDemandEfoPerGb', 'getMetricDataPerThousandMetrics', 'customMetricMonth', 'lambdaPerMillionRequests', 'lambdaPerGbSecond',
] as const;

/** A price file or region that cannot be used; the message names the field or region. */
export class PriceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceError';
  }
}

/**
 * The table for `region`: from `fileText` (JSON: one table, or an object of tables keyed by region) when given, else
 * built in.
 */
export function priceTable(region: string, fileText?: string, fileName = 'the price file'): PriceTable {
  if (fileText === undefined) {
    const table = PRICE_TABLES[region];
    if (!table) {
      throw new PriceError(`no built-in prices for region ${JSON.stringify(region)}: prices are built in only where every figure has a `
        + `cited source (${Object.keys(PRICE_TABLES).join(', ')}); pass --prices FILE.json with the fields ${NUMERIC_FIELDS.join(', ')}, source and retrieved`);
    }
    return table;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fileText);
  } catch (e) {
    throw new PriceError(`${fileName} is not JSON: ${(e as Error).message}`);
  }
  const byRegion = parsed as Record<string, unknown>;
  const candidate = (byRegion && typeof byRegion === 'object' && region in byRegion ? byRegion[region] : parsed) as Record<string, unknown>;
  if (!candidate || typeof candidate !== 'object') throw new PriceError(`${fileName} must hold a JSON object`);
  for (const field of NUMERIC_FIELDS) {
    const value = candidate[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new PriceError(`${fileName}: "${field}" must be a number of USD, 0 or more, received ${JSON.stringify(value)}`);
    }
  }
  for (const field of ['source', 'retrieved'] as const) {
    if (typeof candidate[field] !== 'string' || (candidate[field] as string).trim() === '') {
      throw new PriceError(`${fileName}: "${field}" must say where the prices come from and when, received ${JSON.stringify(candidate[field])}`);
    }
  }
  return { ...(candidate as unknown as PriceTable), region };
}

/** The rows of a price table for people: item, price, unit. */
export function priceRows(p: PriceTable): Array<[string, string]> {
  return [
    ['Provisioned shard-hour', `$${p.shardHour} per shard-hour`],
    ['Provisioned PUT payload units', `$${p.putPayloadUnitPerMillion} per million 25 KB units`],
    ['On-Demand stream-hour', `$${p.onDemandStreamHour} per stream-hour`],
    ['On-Demand data in', `$${p.onDemandWritePerGb} per GB (records rounded up to 1 KB)`],
    ['On-Demand data retrieved', `$${p.onDemandReadPerGb} per GB per shared-throughput reader`],
    ['Enhanced fan-out (provisioned)', `$${p.efoConsumerShardHour} per consumer-shard-hour + $${p.efoPerGb} per GB retrieved`],
    ['Enhanced fan-out (On-Demand)', `$${p.onDemandEfoPerGb} per GB retrieved per consumer`],
    ['CloudWatch GetMetricData', `$${p.getMetricDataPerThousandMetrics} per 1,000 metrics requested`],
    ['Shard-level metrics', `$${p.customMetricMonth} per metric per shard per month (custom-metric rate)`],
    ['Lambda', `$${p.lambdaPerMillionRequests} per million requests + $${p.lambdaPerGbSecond} per GB-second`],
  ];
}
