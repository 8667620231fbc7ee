import { CostBreakdown } from './costs';

/** One replayed option, priced: the JSON `results` entry. */
export interface PolicyResult {
  readonly policy: string;
  readonly throttledBytesPct: number;
  readonly throttledMinutes: number;
  readonly shardHours: number;
  /** USD over the whole trace. */
  readonly costUsd: number;
  readonly scalingActions: number;
  readonly updateShardCountCalls: number;
  /** `costUsd` scaled to a 730-hour month. */
  readonly monthlyCostUsd: number;
  readonly costBreakdown: CostBreakdown;
  /** Minutes in which shared-throughput readers had GetRecords calls refused (reads delayed, not lost). */
  readonly readThrottledMinutes: number;
}

export interface Recommendation {
  readonly policy: string;
  readonly throttledBytesPct: number;
  readonly costUsd: number;
  readonly monthlyCostUsd: number;
  /** Against On-Demand's cost on the same trace; null when On-Demand was not replayed. */
  readonly savingsVsOnDemandPct: number | null;
  readonly reason: string;
}

/** Options a user can deploy from this library: our presets (and tuned targets), a fixed count, On-Demand. */
export function isCandidate(policy: string): boolean {
  return ['economy', 'balanced', 'safe', 'fixed-peak', 'on-demand'].includes(policy) || policy.startsWith(TUNED_PREFIX);
}

/** Tuned options are the `safe` preset with a lower target utilization: `safe-target-0.4`. */
export const TUNED_PREFIX = 'safe-target-';

const pct = (value: number) => `${value < 0.01 && value > 0 ? value.toPrecision(2) : value.toFixed(value < 1 ? 3 : 2)} %`;
const usd = (value: number) => `$${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)}`;

/**
 * The cheapest candidate whose throttled bytes stay within `maxThrottlePct`, from the replayed results only. When no
 * provisioned candidate qualifies, On-Demand (if replayed), saying by how much provisioned misses; when nothing was
 * replayed that can be deployed, undefined.
 */
export function recommend(results: readonly PolicyResult[], maxThrottlePct: number): Recommendation | undefined {
  const candidates = results.filter((r) => isCandidate(r.policy));
  if (candidates.length === 0) return undefined;
  const onDemand = results.find((r) => r.policy === 'on-demand');
  const byCost = (a: PolicyResult, b: PolicyResult) => a.costUsd - b.costUsd || a.throttledBytesPct - b.throttledBytesPct;
  const qualifying = candidates.filter((r) => r.throttledBytesPct <= maxThrottlePct).sort(byCost);
  const provisioned = candidates.filter((r) => r.policy !== 'on-demand');
  const leastThrottled = [...provisioned].sort((a, b) => a.throttledBytesPct - b.throttledBytesPct || a.costUsd - b.costUsd)[0];
  const monthly = (r: PolicyResult) => `${usd(r.monthlyCostUsd)}/month`;

  let chosen: PolicyResult;
  let reason: string;
  if (qualifying.length > 0) {
    chosen = qualifying[0];
    // On-Demand's own miss is named in the sentence above when it is cheaper; list the provisioned ones here.
    const cheaperMisses = candidates.filter((r) => r.costUsd < chosen.costUsd && r.throttledBytesPct > maxThrottlePct && r.policy !== 'on-demand').sort(byCost);
    const missNote = cheaperMisses.length > 0
      ? ` Cheaper options throttled more than that: ${cheaperMisses.slice(0, 3).map((r) => `${r.policy} ${pct(r.throttledBytesPct)}`).join(', ')}.`
      : '';
    if (chosen.policy === 'on-demand') {
      const runnerUp = qualifying[1];
      reason = `On-Demand is the cheapest option that kept throttling within ${pct(maxThrottlePct)} (it throttled ${pct(chosen.throttledBytesPct)} at ${monthly(chosen)})`
        + (runnerUp ? `; the cheapest provisioned option within the limit, ${runnerUp.policy}, costs ${monthly(runnerUp)}.` : '; no provisioned option stayed within the limit.')
        + missNote;
    } else {
      let vsOnDemand = '';
      if (onDemand && onDemand.costUsd >= chosen.costUsd) {
        vsOnDemand = `, ${Math.round(100 * (1 - chosen.costUsd / onDemand.costUsd))} % less than On-Demand (${monthly(onDemand)})`;
      } else if (onDemand) {
        vsOnDemand = `, ${(chosen.costUsd / onDemand.costUsd).toFixed(1)} times On-Demand's ${monthly(onDemand)}, which throttled ${pct(onDemand.throttledBytesPct)}`;
      }
      reason = `${chosen.policy} is the cheapest option that kept throttling within ${pct(maxThrottlePct)}: ${pct(chosen.throttledBytesPct)} at ${monthly(chosen)}${vsOnDemand}.${missNote}`;
    }
  } else if (onDemand) {
    chosen = onDemand;
    const miss = leastThrottled
      ? ` No provisioned option stayed within ${pct(maxThrottlePct)}: the least throttled, ${leastThrottled.policy}, lost ${pct(leastThrottled.throttledBytesPct)}, `
        + `${(leastThrottled.throttledBytesPct - maxThrottlePct).toFixed(3)} points over the limit.`
      : '';
    reason = `On-Demand throttled least (${pct(onDemand.throttledBytesPct)}, itself over the ${pct(maxThrottlePct)} limit) at ${monthly(onDemand)}.${miss}`;
  } else {
    chosen = leastThrottled;
    reason = `No replayed option stayed within ${pct(maxThrottlePct)}; ${chosen.policy} throttled least (${pct(chosen.throttledBytesPct)}) at ${monthly(chosen)}. Replay on-demand too to compare.`;
  }
  return {
    policy: chosen.policy,
    throttledBytesPct: chosen.throttledBytesPct,
    costUsd: chosen.costUsd,
    monthlyCostUsd: chosen.monthlyCostUsd,
    savingsVsOnDemandPct: onDemand && onDemand.costUsd > 0 ? round(100 * (1 - chosen.costUsd / onDemand.costUsd), 1) : null,
    reason,
  };
}

/**
 * Options beaten on both cost and throttling by another deployable option (no worse on both, better on one). The
 * oracle is a bound, not an option, so it dominates nothing.
 */
export function dominated(results: readonly PolicyResult[]): Set<string> {
  const out = new Set<string>();
  for (const r of results) {
    for (const other of results) {
      if (other === r || other.policy === 'oracle') continue;
      const noWorse = other.costUsd <= r.costUsd && other.throttledBytesPct <= r.throttledBytesPct;
      const better = other.costUsd < r.costUsd || other.throttledBytesPct < r.throttledBytesPct;
      if (noWorse && better) {
        out.add(r.policy);
        break;
      }
    }
  }
  return out;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
