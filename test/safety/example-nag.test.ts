import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { StreamingPlatformStack } from '../../examples/streaming-platform';

test('the example app has no unacknowledged AwsSolutions or NIST 800-53 rev 5 finding', () => {
  const app = new App();
  const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new NIST80053R5Checks());
  const annotations = Annotations.fromStack(stack);
  const rule = Match.stringLikeRegexp('^(AwsSolutions|NIST\\.800\\.53\\.R5)-');
  const findings = [...annotations.findError('*', rule), ...annotations.findWarning('*', rule)]
    .map((f) => `${f.id}: ${String(f.entry.data).split(': ')[0]}`);
  expect(findings).toEqual([]);
});
