/** The exception name of an AWS SDK error (or undefined). */
export function errorName(e: unknown): string | undefined {
  return (e as { name?: string } | undefined)?.name;
}

/** A refusal for call rate: Kinesis answers LimitExceededException, the SDK and other services ThrottlingException. */
export function isThrottle(e: unknown): boolean {
  const name = errorName(e);
  return name === 'ThrottlingException' || (name === 'LimitExceededException' && /rate exceeded/i.test((e as Error).message ?? ''));
}

/**
 * What a LimitExceededException from a resharding call means. AWS uses the one name for three different limits:
 * - `shard-quota`: the account's shard quota ("would exceed the shard limit for the account"); nothing about this
 *   stream's budget, so it only stops growth this tick;
 * - `rate`: too many calls per second in the account; the next tick simply tries again;
 * - `daily-budget`: anything else from UpdateShardCount, which is its 10 calls per rolling 24 hours, counted by AWS
 *   with calls our state did not see (a deployment's own resize, a person).
 */
export type LimitKind = 'shard-quota' | 'rate' | 'daily-budget';

export function limitKind(e: unknown): LimitKind | undefined {
  if (errorName(e) !== 'LimitExceededException') return undefined;
  const message = (e as Error).message ?? '';
  if (/shard limit/i.test(message)) return 'shard-quota';
  if (/rate exceeded/i.test(message)) return 'rate';
  return 'daily-budget';
}
