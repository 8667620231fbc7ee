import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StreamingPlatformStack } from '../../examples/streaming-platform';

/** Every IAM statement of the example app: every feature of the library, used as a customer would. */
type Statement = { policy: string; Action: string[]; Resource: unknown[]; Effect: string; Condition?: Record<string, Record<string, unknown>> };

function template(): Template {
  return Template.fromStack(new StreamingPlatformStack(new App(), 'StreamingPlatform'));
}

function statements(): Statement[] {
  return Object.entries(template().findResources('AWS::IAM::Policy')).flatMap(([policy, p]) =>
    (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).map((s) => ({
      ...s, policy, Action: [s.Action].flat(), Resource: [s.Resource].flat(),
    })) as Statement[]);
}

test('no statement allows a wildcard action', () => {
  expect(statements().flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
});

test('"*" resources only for the two actions whose APIs accept nothing narrower', () => {
  // cloudwatch:GetMetricData and kinesis:DescribeLimits act on the account, not on a resource.
  const onStar = statements().filter((s) => s.Resource.includes('*'));
  expect(onStar.flatMap((s) => s.Action).sort()).toEqual(['cloudwatch:GetMetricData', 'kinesis:DescribeLimits']);
  expect(onStar.map((s) => s.policy)).toEqual([expect.stringMatching(/^ShardAutoscalerRoleDefaultPolicy/)]);
});

test('the KCL workers\' only "*" resource is PutMetricData, held to their namespace by a condition', () => {
  const workerStatements = Object.values(template().findResources('AWS::IAM::ManagedPolicy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>);
  expect(workerStatements.flatMap((s) => [s.Action].flat()).filter((a) => a.includes('*'))).toEqual([]);
  expect(workerStatements.filter((s) => [s.Resource].flat().includes('*'))).toEqual([
    expect.objectContaining({ Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': 'orders-search' } } }),
  ]);
});

test('the autoscaler can resize only the streams it manages', () => {
  const resizing = statements().filter((s) => s.Action.some((a) => ['kinesis:UpdateShardCount', 'kinesis:SplitShard', 'kinesis:MergeShards'].includes(a)));
  expect(resizing.length).toBeGreaterThan(0);
  const tag = 'aws:ResourceTag/cdk-kinesis-autoscaling:autoscaler';
  for (const s of resizing) {
    expect(s.policy).toMatch(/^ShardAutoscaler(Reconciler)?Role/);
    if (s.Condition) {
      // The autoscaler: any stream of its account and region, but only one that carries its tag.
      expect(s.Condition).toEqual({ StringEquals: { [tag]: expect.any(String) } });
      expect(JSON.stringify(s.Resource)).toMatch(/:kinesis:.*:stream\/\*"\]\]\}\]$/);
    } else {
      // The reconciler: the only autoscaled stream of the example, Orders, by ARN.
      expect(s.Resource).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^OrdersStream/), 'Arn'] }]);
    }
  }
  // ... and the only stream carrying that tag is Orders.
  const tagged = Object.entries(template().findResources('AWS::Kinesis::Stream'))
    .filter(([, r]) => (r.Properties.Tags ?? []).some((t: { Key: string }) => t.Key === 'cdk-kinesis-autoscaling:autoscaler'))
    .map(([id]) => id);
  expect(tagged).toEqual([expect.stringMatching(/^OrdersStream/)]);
});
