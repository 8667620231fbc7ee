import { isActive, resize, usage } from './usage';
import { ProvisionedPolicy } from '../engine';

/**
 * aws-samples/kinesis-auto-scaling: 5-minute usage against the current shard count; out x2 at >= 0.75 in 5 of 5
 * periods, in /2 at < 0.25 in 57 of 60; alarms fire on a state change and are reset after each action.
 */
export function awsSamplePolicy(): ProvisionedPolicy {
  let outInAlarm = false;
  let inInAlarm = false;
  return {
    name: 'aws-sample',
    shardLevelMetrics: false,
    plan(view) {
      if (!isActive(view)) return undefined;
      if (view.minute % 5 !== 0) return undefined;
      const n = view.shards.length;
      const periods: number[] = [];
      const history = view.recent(300);
      for (let end = history.length; end - 5 >= 0 && periods.length < 60; end -= 5) {
        const five = history.slice(end - 5, end);
        periods.push(usage({
          incomingBytes: five.reduce((a, m) => a + (m.incomingBytes ?? 0), 0),
          incomingRecords: five.reduce((a, m) => a + (m.incomingRecords ?? 0), 0),
        }, n, 300));
      }
      const out = periods.length >= 5 && periods.slice(0, 5).every((u) => u >= 0.75);
      const scaleIn = periods.length >= 60 && periods.filter((u) => u < 0.25).length >= 57;
      const fireOut = out && !outInAlarm;
      const fireIn = scaleIn && !inInAlarm;
      outInAlarm = out;
      inInAlarm = scaleIn;
      if (fireOut) {
        outInAlarm = inInAlarm = false;
        return resize(n * 2);
      }
      if (fireIn) {
        outInAlarm = inInAlarm = false;
        return resize(Math.max(1, Math.floor(n / 2)));
      }
      return undefined;
    },
  };
}
