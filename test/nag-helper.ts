import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';

/** The rule packs a test can run. */
export type RulePack = 'AwsSolutions' | 'NIST.800.53.R5';

/**
 * Synthesizes what `build` adds to a fresh stack with cdk-nag's rule packs and returns every unacknowledged finding,
 * error or warning, as `path: rule ...`. Acknowledged findings do not appear.
 */
export function nagFindings(build: (stack: Stack) => void, packs: RulePack[] = ['AwsSolutions']): string[] {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  build(stack);
  for (const pack of packs) {
    Aspects.of(app).add(pack === 'AwsSolutions' ? new AwsSolutionsChecks() : new NIST80053R5Checks());
  }
  const annotations = Annotations.fromStack(stack);
  const rule = Match.stringLikeRegexp(`^(${packs.map((p) => p.replace(/\./g, '\\.')).join('|')})-`);
  return [...annotations.findError('*', rule), ...annotations.findWarning('*', rule)]
    .map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`);
}
