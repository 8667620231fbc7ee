import { App } from 'aws-cdk-lib';
import { StreamingPlatformStack } from '../../examples/streaming-platform';
import { nagFindingsOf } from '../nag-helper';

test('the example app has no unacknowledged AwsSolutions, NIST 800-53 rev 5 or Serverless finding', () => {
  const app = new App();
  const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
  expect(nagFindingsOf(app, stack)).toEqual([]);
});
