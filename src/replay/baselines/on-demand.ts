import { acceptedFraction, MODEL, readRefusedShare, shardsNeeded, STEADY } from '../model';
import { Accumulator, capacityInBytes, Simulation, SimulationInput, TimelineRow } from '../outcome';

/**
 * On-Demand Standard: capacity of max(4 MiB/s, twice the peak of the previous 30 days), adapting 15 minutes after a
 * new peak; it starts with capacity for twice the first 24 hours' peak. Bursts inside a minute above the capacity are
 * throttled as on a shard; shared-throughput readers get the read limits of the capacity's shard-equivalents.
 */
export function simulateOnDemand(input: SimulationInput): Simulation {
  const acc = new Accumulator(input, 'on-demand', 'on-demand');
  const timeline: TimelineRow[] = [];
  const firstDay = input.demand.slice(0, 24 * 60);
  const initial = {
    bytes: Math.max(...firstDay.map((d) => d.bytesPerSecond)),
    records: Math.max(...firstDay.map((d) => d.recordsPerSecond)),
  };
  // Peaks the service has seen, visible to its capacity once they are onDemandAdaptMinutes old.
  const peakBytes = new SlidingMax(MODEL.onDemandPeakWindowMinutes);
  const peakRecords = new SlidingMax(MODEL.onDemandPeakWindowMinutes);
  const conditions = input.conditions ?? STEADY;
  for (let m = 0; m < input.demand.length; m++) {
    const seen = m - MODEL.onDemandAdaptMinutes;
    if (seen >= 0) {
      peakBytes.push(seen, input.demand[seen].bytesPerSecond);
      peakRecords.push(seen, input.demand[seen].recordsPerSecond);
    }
    const capBytes = Math.max(MODEL.onDemandMinBytesPerSecond, 2 * Math.max(initial.bytes, peakBytes.max(seen)));
    const capRecords = Math.max(MODEL.onDemandMinRecordsPerSecond, 2 * Math.max(initial.records, peakRecords.max(seen)));
    const d = input.demand[m];
    const accepted = acceptedFraction(d, capBytes, capRecords, conditions.burstiness);
    const throttledBytes = d.bytesPerSecond * 60 * (1 - accepted);
    const shardEquivalents = shardsNeeded({ bytesPerSecond: capBytes, recordsPerSecond: capRecords });
    const getRecordsCalls = conditions.readers * 60 * shardEquivalents;
    const readThrottledCalls = getRecordsCalls * readRefusedShare((d.bytesPerSecond * accepted) / shardEquivalents, conditions.readers);
    acc.minute(m, throttledBytes, d.recordsPerSecond * 60 * accepted, d.bytesPerSecond * 60 * accepted, 0, { getRecordsCalls, readThrottledCalls });
    timeline.push({
      minute: m,
      demandBytesPerSecond: d.bytesPerSecond,
      demandRecordsPerSecond: d.recordsPerSecond,
      openShards: shardEquivalents,
      throttledBytes,
      shareGroups: [],
      capacityBytesPerSecond: capacityInBytes(capBytes, capRecords, d),
    });
  }
  return { ...acc.result(0), timeline };
}

/** Maximum over a sliding window of minutes, amortised O(1). */
class SlidingMax {
  private readonly deque: Array<{ minute: number; value: number }> = [];
  constructor(private readonly window: number) {}
  public push(minute: number, value: number): void {
    while (this.deque.length && this.deque[this.deque.length - 1].value <= value) this.deque.pop();
    this.deque.push({ minute, value });
  }
  public max(now: number): number {
    while (this.deque.length && this.deque[0].minute <= now - this.window) this.deque.shift();
    return this.deque.length ? this.deque[0].value : 0;
  }
}
