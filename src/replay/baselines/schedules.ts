import { burstPeak, fewestShards, MapShape, runMinuteOnShape, STEADY, uniformShape } from '../model';
import { Accumulator, readsThrottled, row, Simulation, SimulationInput, TimelineRow } from '../outcome';

/** A constant shard count sized for the trace's peak (the per-second peak, when minutes are bursty) at 100 % of the limits. */
export function simulateFixedPeak(input: SimulationInput): Simulation {
  const uniform = { ...input.keys, hotKeyShare: 0 };
  const burstiness = (input.conditions ?? STEADY).burstiness;
  const n = input.demand.reduce((most, d) => Math.max(most, fewestShards(burstPeak(d, burstiness), uniform)), 1);
  return simulateSchedule('fixed-peak', input, () => n);
}

/**
 * Perfect foresight and instant resharding: each minute, the fewest shards that throttle nothing, its per-second peak
 * included. A lower bound on cost.
 */
export function simulateOracle(input: SimulationInput): Simulation {
  const burstiness = (input.conditions ?? STEADY).burstiness;
  return simulateSchedule('oracle', input, (m) => fewestShards(burstPeak(input.demand[m], burstiness), input.keys));
}

function simulateSchedule(name: string, input: SimulationInput, shardsAt: (minute: number) => number): Simulation {
  const acc = new Accumulator(input, name);
  const timeline: TimelineRow[] = [];
  let previous = -1;
  // Even layouts by count, never built as maps: the oracle may visit every count up to 10,000.
  let shape: MapShape = uniformShape(1);
  const conditions = input.conditions ?? STEADY;
  for (let m = 0; m < input.demand.length; m++) {
    const n = shardsAt(m);
    if (previous >= 0 && n !== previous) acc.scalingActions++;
    if (n !== previous) shape = uniformShape(n);
    previous = n;
    const outcome = runMinuteOnShape(input.demand[m], shape, input.keys, conditions);
    acc.minute(m, outcome.throttledBytes, outcome.acceptedRecords, outcome.acceptedBytes, n, outcome);
    timeline.push(row(m, input.demand[m], shape, outcome.throttledBytes, readsThrottled(outcome)));
  }
  return { ...acc.result(0), timeline };
}
