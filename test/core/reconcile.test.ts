import { reconcileStep } from '../../src/core';

test.each([
  // live, min, max, calls used, next step
  [3, 2, 5, 0, { kind: 'in-range' }],
  [1, 4, 10, 0, { kind: 'UpdateShardCount', targetShardCount: 2 }],
  [3, 4, 10, 0, { kind: 'UpdateShardCount', targetShardCount: 4 }],
  [20, 1, 3, 0, { kind: 'UpdateShardCount', targetShardCount: 10 }],
  [5, 1, 3, 0, { kind: 'UpdateShardCount', targetShardCount: 3 }],
  [1, 4, 10, 10, { kind: 'budget-spent', wantedShardCount: 2 }],
  [1, 4, 10, 9, { kind: 'UpdateShardCount', targetShardCount: 2 }],
])('live %i in [%i, %i] with %i calls used: %j', (live, min, max, calls, expected) => {
  expect(reconcileStep(live, min, max, calls)).toEqual(expected);
});
