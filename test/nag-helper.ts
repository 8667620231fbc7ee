import { App, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';

/** The rule packs a test can run: every pack the library claims to be clean under. */
export type RulePack = 'AwsSolutions' | 'NIST.800.53.R5' | 'Serverless';
export const ALL_PACKS: RulePack[] = ['AwsSolutions', 'NIST.800.53.R5', 'Serverless'];

const CHECKS: Record<RulePack, () => IAspect> = {
  'AwsSolutions': () => new AwsSolutionsChecks(),
  'NIST.800.53.R5': () => new NIST80053R5Checks(),
  'Serverless': () => new ServerlessChecks(),
};

/**
 * Adds cdk-nag v2's rule packs (Aspects, as v2 users run them) to `app`, synthesizes `stack` and returns every
 * unacknowledged finding, error or warning, as `path: rule`. Acknowledged findings do not appear.
 */
export function nagFindingsOf(app: App, stack: Stack, packs: RulePack[] = ALL_PACKS): string[] {
  for (const pack of packs) Aspects.of(app).add(CHECKS[pack]());
  const annotations = Annotations.fromStack(stack);
  const rule = Match.stringLikeRegexp(`^(${packs.map((p) => p.replace(/\./g, '\\.')).join('|')})-`);
  return [...annotations.findError('*', rule), ...annotations.findWarning('*', rule)]
    .map((finding) => `${finding.id}: ${String(finding.entry.data).split(': ')[0]}`);
}

/** Synthesizes what `build` adds to a fresh stack under `packs` and returns its unacknowledged findings. */
export function nagFindings(build: (stack: Stack) => void, packs: RulePack[] = ALL_PACKS): string[] {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  build(stack);
  return nagFindingsOf(app, stack, packs);
}
