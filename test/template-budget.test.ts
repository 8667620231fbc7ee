import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { KinesisStream } from '../src';

function stackWith(build: (stack: Stack) => void): Stack {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'us-east-1' } });
  new KinesisStream(stack, 'Events');
  build(stack);
  return stack;
}

const advice = 'Share one KMS key among streams \\(encryptionKey\\), leave opt-in alarms off, set the stack\'s suppressTemplateIndentation, ' +
  'or spread the streams over several stacks that register with one autoscaler \\(ShardAutoscaler.fromAutoscalerName\\)\\.';

test('warns with advice at 90 % of CloudFormation\'s 500 resources', () => {
  const stack = stackWith((s) => {
    for (let i = 0; i < 450; i++) new CfnResource(s, `Handle${i}`, { type: 'AWS::CloudFormation::WaitConditionHandle' });
  });
  Annotations.fromStack(stack).hasWarning('/Stack', Match.stringLikeRegexp(
    `^stack Stack has 45\\d resources; CloudFormation refuses more than 500\\. ${advice}`));
});

test('warns with advice at 90 % of CloudFormation\'s 1 MB template, counting the file as written', () => {
  const stack = stackWith((s) => {
    new CfnResource(s, 'Big', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(900_000) } });
  });
  Annotations.fromStack(stack).hasWarning('/Stack', Match.stringLikeRegexp(
    `^stack Stack's template is about 9\\d\\d KB; CloudFormation refuses more than 1 MB\\. ${advice}`));
});

test('says nothing for a stack well within both limits', () => {
  const warnings = Annotations.fromStack(stackWith(() => undefined)).findWarning('*', Match.stringLikeRegexp('CloudFormation refuses'));
  expect(warnings).toEqual([]);
});
