import {
  DescribeStreamSummaryCommand, InvalidArgumentException, KinesisClient, LimitExceededException, ListTagsForStreamCommand,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  DAY_MS, KINESIS_API_RATES, MAX_SHARDS_PER_STREAM, TAG_VALUE_MAX_LENGTH, TAGS_PER_CALL, TAGS_PER_STREAM, UPDATE_SHARD_COUNT_CALLS_PER_DAY,
} from '../../src/core';

/**
 * A limit-enforcing Kinesis in front of kinesis-local. kinesis-local enforces the shard map rules (adjacency, ACTIVE
 * for resharding) but none of the limits the autoscaler exists to respect; this double adds them, per account (one
 * instance is one AWS account), with the exception names AWS uses:
 *
 * - every control-plane rate of KINESIS_API_RATES as a token bucket (one second of burst), LimitExceededException;
 * - UpdateShardCount: 10 calls per stream per rolling 24 hours, at most double / at least half the open count, at most
 *   10,000 shards (API reference, UpdateShardCount), LimitExceededException / InvalidArgumentException;
 * - the account shard quota, counting a uniform resize's children while the parents still count (developer guide,
 *   "Quotas and limits"; DescribeLimits answers from the same ledger), LimitExceededException;
 * - AddTagsToStream and RemoveTagsFromStream only while ACTIVE, ResourceInUseException; 10 tags per call, 50 per
 *   stream, values up to 256 characters (API reference, AddTagsToStream), InvalidArgumentException;
 * - a "slow resize": after a resharding operation a stream can be held UPDATING for as long as a test says (AWS takes
 *   seconds to many minutes), during which it refuses resharding and tagging like AWS.
 *
 * The double sits between the SDK's retry middleware and the wire, so the SDK's own retries meet it as they would
 * meet AWS. It has its own clock, which tests may move forward (a day, to empty the UpdateShardCount window).
 */
export interface KinesisDoubleOptions {
  readonly endpoint?: string;
  /** Open shards the account may have (DescribeLimits ShardLimit). @default 500 */
  readonly accountShardLimit?: number;
  readonly accountId?: string;
  /** The call rates to enforce. @default KINESIS_API_RATES, the documented ones */
  readonly rates?: typeof KINESIS_API_RATES;
}

export interface DoubleStats {
  /** Calls that reached kinesis-local (or DescribeLimits, answered here), by API. */
  readonly accepted: Record<string, number>;
  /** Calls refused for exceeding a call rate, by API. */
  readonly throttled: Record<string, number>;
  /** Every refusal, with its exception name. */
  readonly refusals: Array<{ readonly api: string; readonly stream?: string; readonly name: string; readonly message: string }>;
}

type Input = Record<string, unknown> & { StreamName?: string; StreamARN?: string };

export class KinesisDouble {
  public readonly endpoint: string;
  public readonly accountId: string;
  public readonly accountShardLimit: number;
  public readonly rates: typeof KINESIS_API_RATES;
  public stats: DoubleStats = emptyStats();
  /** Milliseconds added to the wall clock: `advance` moves the double's time (and the handler's, if it uses `now`). */
  private offsetMs = 0;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly updateShardCountCalls = new Map<string, number[]>();
  /** The same calls, made by clients that meet the limits (the code under test), not by test setup. */
  private readonly limitedUpdateShardCountCalls = new Map<string, number[]>();
  private readonly openShards = new Map<string, number>();
  private readonly transient = new Map<string, { shards: number; until: number }>();
  private readonly heldUntil = new Map<string, number>();
  private readonly holdMs = new Map<string, number>();
  private readonly clients: KinesisClient[] = [];
  private readonly raw: KinesisClient;
  private frozenAt?: number;

  constructor(options: KinesisDoubleOptions = {}) {
    const endpoint = options.endpoint ?? process.env.KINESIS_ENDPOINT;
    if (!endpoint) throw new Error('KINESIS_ENDPOINT is not set: the jest global setup starts kinesis-local and sets it');
    this.endpoint = endpoint;
    this.accountId = options.accountId ?? '111122223333';
    this.accountShardLimit = options.accountShardLimit ?? 500;
    this.rates = options.rates ?? KINESIS_API_RATES;
    this.raw = this.sdkClient(1);
  }

  public readonly now = (): number => (this.frozenAt ?? Date.now()) + this.offsetMs;

  /** Moves the double's clock forward. */
  public advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Stops the double's clock (until `unfreeze`), so a test's burst meets exactly one second's tokens. */
  public freeze(): void {
    this.frozenAt = Date.now();
  }

  public unfreeze(): void {
    if (this.frozenAt !== undefined) this.offsetMs -= Date.now() - this.frozenAt;
    this.frozenAt = undefined;
  }

  /** Holds `streamName` (or every stream, with '*') UPDATING for `ms` after each accepted resharding operation. */
  public slowResize(streamName: string | '*', ms: number): void {
    this.holdMs.set(streamName, ms);
  }

  /** Whether the double holds the stream UPDATING right now. */
  public isHeld(streamName: string): boolean {
    return (this.heldUntil.get(streamName) ?? 0) > this.now();
  }

  /** UpdateShardCount calls accepted for `streamName` in the rolling 24 hours. */
  public acceptedUpdateShardCountCalls(streamName: string): number {
    return this.window(streamName).length;
  }

  /** When AWS accepted the UpdateShardCount calls of the code under test (clients with limits), epoch milliseconds. */
  public acceptedCallsOfLimitedClients(streamName: string): readonly number[] {
    return this.limitedUpdateShardCountCalls.get(streamName) ?? [];
  }

  public resetStats(): void {
    this.stats = emptyStats();
  }

  /**
   * A client of this account. `limits: false` is for test setup only (creating hundreds of streams, planting tags):
   * its calls skip the rate and tagging checks but still update the double's ledgers.
   */
  public client(options: { readonly maxAttempts?: number; readonly limits?: boolean } = {}): KinesisClient {
    const client = this.sdkClient(options.maxAttempts ?? 1);
    const enforce = options.limits ?? true;
    client.middlewareStack.add((next, context) => async (args) => {
      const api = (context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Input;
      const stream = streamOf(input);
      if (api === 'DescribeLimits') {
        if (enforce) this.takeToken(api, stream);
        this.count(api);
        const output = { ShardLimit: this.accountShardLimit, OpenShardCount: await this.accountOpenShards(), $metadata: {} };
        return { output, response: {} } as never;
      }
      if (enforce) {
        this.takeToken(api, stream);
        await this.check(api, stream, input);
      }
      const before = api === 'UpdateShardCount' && stream ? await this.open(stream) : undefined;
      const result = await next(args);
      this.count(api);
      this.accepted(api, stream, input, before, enforce);
      const output = result.output as { StreamDescriptionSummary?: { StreamStatus?: string }; StreamDescription?: { StreamStatus?: string } };
      if (stream && this.isHeld(stream)) {
        if (output.StreamDescriptionSummary) output.StreamDescriptionSummary.StreamStatus = 'UPDATING';
        if (output.StreamDescription) output.StreamDescription.StreamStatus = 'UPDATING';
      }
      return result;
    }, { step: 'finalizeRequest', name: 'kinesisLimits' });
    this.clients.push(client);
    return client;
  }

  public destroy(): void {
    for (const client of this.clients) client.destroy();
    this.raw.destroy();
  }

  private sdkClient(maxAttempts: number): KinesisClient {
    return new KinesisClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts,
    });
  }

  private takeToken(api: string, stream: string | undefined): void {
    const rate = this.rates[api];
    if (!rate) return;
    const key = rate.perStream ? `${api}:${stream ?? '?'}` : api;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: rate.perSecond, at: now };
    bucket.tokens = Math.min(rate.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      this.stats.throttled[api] = (this.stats.throttled[api] ?? 0) + 1;
      this.refuse(api, stream, LimitExceededException,
        `Rate exceeded for ${api} in account ${this.accountId}: at most ${rate.perSecond} calls per second${rate.perStream ? ' per stream' : ''}`);
    }
    bucket.tokens -= 1;
  }

  private async check(api: string, stream: string | undefined, input: Input): Promise<void> {
    if (!stream) return;
    const held = this.isHeld(stream);
    switch (api) {
      case 'UpdateShardCount': {
        if (held) this.refuse(api, stream, ResourceInUseException, `Stream ${stream} under account ${this.accountId} not ACTIVE, instead in state UPDATING`);
        if (this.window(stream).length >= UPDATE_SHARD_COUNT_CALLS_PER_DAY) {
          this.refuse(api, stream, LimitExceededException,
            `UpdateShardCount for stream ${stream} under account ${this.accountId} was already called ${UPDATE_SHARD_COUNT_CALLS_PER_DAY} times in the rolling 24 hours`);
        }
        const target = Number(input.TargetShardCount);
        const current = await this.open(stream);
        if (target > 2 * current || target * 2 < current || target > MAX_SHARDS_PER_STREAM) {
          this.refuse(api, stream, InvalidArgumentException,
            `TargetShardCount ${target} must be between half and double the ${current} open shards, and at most ${MAX_SHARDS_PER_STREAM}`);
        }
        // The new shards are created while the old ones still count: the whole target must fit beside them.
        this.withinQuota(api, stream, target);
        return;
      }
      case 'SplitShard':
        if (held) this.refuse(api, stream, ResourceInUseException, `Stream ${stream} under account ${this.accountId} not ACTIVE, instead in state UPDATING`);
        this.withinQuota(api, stream, 1);
        return;
      case 'MergeShards':
        if (held) this.refuse(api, stream, ResourceInUseException, `Stream ${stream} under account ${this.accountId} not ACTIVE, instead in state UPDATING`);
        return;
      case 'AddTagsToStream':
      case 'RemoveTagsFromStream': {
        await this.mustBeActive(api, stream, held);
        if (api === 'RemoveTagsFromStream') return;
        const tags = (input.Tags ?? {}) as Record<string, string>;
        if (Object.keys(tags).length > TAGS_PER_CALL) this.refuse(api, stream, InvalidArgumentException, `at most ${TAGS_PER_CALL} tags per call`);
        const long = Object.entries(tags).find(([, value]) => value.length > TAG_VALUE_MAX_LENGTH);
        if (long) this.refuse(api, stream, InvalidArgumentException, `the value of tag ${long[0]} is longer than ${TAG_VALUE_MAX_LENGTH} characters`);
        const existing = await this.raw.send(new ListTagsForStreamCommand({ StreamName: stream, Limit: 100 }));
        const keys = new Set([...(existing.Tags ?? []).map((t) => t.Key!), ...Object.keys(tags)]);
        if (keys.size > TAGS_PER_STREAM) this.refuse(api, stream, InvalidArgumentException, `a stream can have at most ${TAGS_PER_STREAM} tags; this call would make ${keys.size}`);
        return;
      }
      default:
        return;
    }
  }

  private async mustBeActive(api: string, stream: string, held: boolean): Promise<void> {
    const status = held ? 'UPDATING'
      : (await this.raw.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus;
    if (status !== 'ACTIVE') this.refuse(api, stream, ResourceInUseException, `Stream ${stream} under account ${this.accountId} not ACTIVE, instead in state ${status}`);
  }

  private withinQuota(api: string, stream: string, adding: number): void {
    const open = this.ledgerTotal();
    if (open + adding > this.accountShardLimit) {
      this.refuse(api, stream, LimitExceededException,
        `This request would exceed the shard limit for the account ${this.accountId} in us-east-1. Current shard count for the account: ${open}. `
        + `Limit: ${this.accountShardLimit}. Number of additional shards that would have resulted from this request: ${adding}.`);
    }
  }

  private accepted(api: string, stream: string | undefined, input: Input, before: number | undefined, limited: boolean): void {
    if (!stream) return;
    const hold = () => {
      const ms = this.holdMs.get(stream) ?? this.holdMs.get('*') ?? 0;
      if (ms > 0) this.heldUntil.set(stream, this.now() + ms);
      return ms;
    };
    switch (api) {
      case 'CreateStream':
        this.openShards.set(stream, Number(input.ShardCount ?? 4));
        return;
      case 'DeleteStream':
        this.openShards.delete(stream);
        return;
      case 'UpdateShardCount': {
        this.updateShardCountCalls.set(stream, [...this.window(stream), this.now()]);
        if (limited) this.limitedUpdateShardCountCalls.set(stream, [...(this.limitedUpdateShardCountCalls.get(stream) ?? []), this.now()]);
        this.openShards.set(stream, Number(input.TargetShardCount));
        this.transient.set(stream, { shards: before ?? 0, until: this.now() + Math.max(hold(), 1000) });
        return;
      }
      case 'SplitShard':
        this.openShards.set(stream, (this.openShards.get(stream) ?? 0) + 1);
        hold();
        return;
      case 'MergeShards':
        this.openShards.set(stream, Math.max(1, (this.openShards.get(stream) ?? 2) - 1));
        hold();
        return;
      default:
        return;
    }
  }

  private window(stream: string): number[] {
    const since = this.now() - DAY_MS;
    return (this.updateShardCountCalls.get(stream) ?? []).filter((at) => at > since);
  }

  /** The open shards of a stream, from the ledger, or from kinesis-local for a stream this account has not seen yet. */
  private async open(stream: string): Promise<number> {
    const known = this.openShards.get(stream);
    if (known !== undefined) return known;
    const summary = await this.raw.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const count = summary.StreamDescriptionSummary?.OpenShardCount ?? 0;
    this.openShards.set(stream, count);
    return count;
  }

  private ledgerTotal(): number {
    let total = 0;
    for (const count of this.openShards.values()) total += count;
    for (const [stream, t] of this.transient) {
      if (t.until > this.now()) total += t.shards;
      else this.transient.delete(stream);
    }
    return total;
  }

  private async accountOpenShards(): Promise<number> {
    return this.ledgerTotal();
  }

  private count(api: string): void {
    this.stats.accepted[api] = (this.stats.accepted[api] ?? 0) + 1;
  }

  private refuse(
    api: string, stream: string | undefined,
    type: typeof LimitExceededException | typeof ResourceInUseException | typeof InvalidArgumentException, message: string,
  ): never {
    const error = new type({ message, $metadata: { httpStatusCode: 400 } });
    this.stats.refusals.push({ api, stream, name: error.name, message });
    throw error;
  }
}

function streamOf(input: Input): string | undefined {
  if (typeof input.StreamName === 'string') return input.StreamName;
  if (typeof input.StreamARN === 'string') return input.StreamARN.split('/').pop();
  return undefined;
}

function emptyStats(): DoubleStats {
  return { accepted: {}, throttled: {}, refusals: [] };
}
