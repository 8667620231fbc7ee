import { Annotations, CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/** CloudFormation's quotas: 500 resources per stack, and a template body of at most 1 MB (from S3). */
export const MAX_RESOURCES_PER_STACK = 500;
export const MAX_TEMPLATE_BYTES = 1_000_000;
/** Warn at 90 %, while there is still room to act. */
const WARN_AT = 0.9;
const ID = 'CdkKinesisAutoscalingTemplateBudget';

/**
 * Makes sure the stack checks, at synth, how close its template comes to CloudFormation's limits, and says what to
 * do before a deploy is refused. One check per stack, found in the construct tree.
 */
export function watchTemplateBudget(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (!stack.node.tryFindChild(ID)) new TemplateBudget(stack, ID);
}

class TemplateBudget extends Construct {
  constructor(scope: Stack, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.check(scope) });
  }

  private check(stack: Stack): string[] {
    const elements = stack.node.findAll().filter((c): c is CfnElement => c instanceof CfnElement && Stack.of(c) === stack);
    const resources = elements.filter((e) => e instanceof CfnResource).length;
    // The template file is written with one space of indentation (unless suppressed) and uploaded as it is: count it so.
    const bytes = elements.reduce((sum, e) => sum + JSON.stringify(stack.resolve(e._toCloudFormation()), undefined, 1).length, 0);
    const advice = 'Share one KMS key among streams (encryptionKey), leave opt-in alarms off, set the stack\'s suppressTemplateIndentation, ' +
      'or spread the streams over several stacks that register with one autoscaler (ShardAutoscaler.fromAutoscalerName).';
    if (resources >= MAX_RESOURCES_PER_STACK * WARN_AT) {
      Annotations.of(stack).addWarningV2('cdk-kinesis-autoscaling:resourceBudget',
        `stack ${stack.stackName} has ${resources} resources; CloudFormation refuses more than ${MAX_RESOURCES_PER_STACK}. ${advice}`);
    }
    if (bytes >= MAX_TEMPLATE_BYTES * WARN_AT) {
      Annotations.of(stack).addWarningV2('cdk-kinesis-autoscaling:templateBudget',
        `stack ${stack.stackName}'s template is about ${Math.round(bytes / 1000)} KB; CloudFormation refuses more than ${MAX_TEMPLATE_BYTES / 1_000_000} MB. ${advice}`);
    }
    return [];
  }
}
