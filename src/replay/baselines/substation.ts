import { isActive, resize, usage } from './usage';
import { ProvisionedPolicy } from '../engine';

/** brexhq/substation autoscale: 1-minute usage >= 0.7 for 5 of 5 out, <= 0.35 for 60 of 60 in, by tier; cooldowns 3 and 30 minutes. */
export function substationPolicy(): ProvisionedPolicy {
  let outCoolUntil = 0;
  let inCoolUntil = 0;
  const tier = (n: number) => (n < 5 ? 2 : n < 13 ? 1.75 : n < 33 ? 1.5 : 1.25);
  return {
    name: 'substation',
    shardLevelMetrics: false,
    plan(view) {
      if (!isActive(view)) return undefined;
      const n = view.shards.length;
      const last = (k: number) => view.recent(k).map((metric) => usage(metric, n));
      if (view.minute >= outCoolUntil && view.visibleMinutes >= 5 && last(5).every((u) => u >= 0.7)) {
        outCoolUntil = view.minute + 3;
        inCoolUntil = view.minute + 30;
        return resize(Math.min(n * 2, Math.ceil(n * tier(n))));
      }
      if (view.minute >= inCoolUntil && view.visibleMinutes >= 60 && last(60).every((u) => u <= 0.35) && n > 1) {
        inCoolUntil = view.minute + 30;
        return resize(Math.max(Math.ceil(n / 2), Math.floor(n / tier(n)), 1));
      }
      return undefined;
    },
  };
}
