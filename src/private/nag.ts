import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The metadata key aws-cdk-lib's `Validations.acknowledge()` writes, and cdk-nag v3 reads up the construct tree. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * Rules of other packs that check exactly the same property, so one reason answers both. The Serverless pack repeats
 * AwsSolutions' and NIST's dead-letter rules under its own ids; a user running it must not see them unanswered.
 */
const SAME_CHECK: Readonly<Record<string, readonly string[]>> = {
  'NIST.800.53.R5-LambdaDLQ': ['Serverless-LambdaDLQ'],
  'AwsSolutions-SQS3': ['Serverless-SQSRedrivePolicy'],
};

export interface Finding {
  /** The rule, for example `AwsSolutions-SQS3`. */
  readonly id: string;
  /** Why the finding is a deliberate design choice, for a security reviewer. */
  readonly reason: string;
  /**
   * The rule's granular findings this reason answers, for example `['Resource::*']` for `AwsSolutions-IAM5`. cdk-nag v3
   * only accepts them one by one (`AwsSolutions-IAM5[Resource::*]`); v2 records them as `applies_to`. Any other
   * granular finding of the rule stays reported.
   * @default - the rule has no granular findings
   */
  readonly appliesTo?: string[];
}

/** A v2 `cdk_nag` metadata entry, as `NagSuppressions` writes it. */
interface NagV2Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
}

/**
 * Acknowledges cdk-nag findings on a construct and everything below it, in both cdk-nag majors:
 *
 * - v3 reads `Validations.acknowledge()`'s metadata up the construct tree. That method only exists from aws-cdk-lib
 *   2.257 on, above this library's floor, so the same metadata is written directly, one key per rule or granular
 *   finding (`AwsSolutions-IAM5[Resource::*]`).
 * - v2 reads the `cdk_nag` block of each CloudFormation resource, so it is written on every L1 below the construct
 *   that exists now, as `NagSuppressions.addResourceSuppressions(scope, ..., true)` does.
 */
export function acknowledgeFindings(scope: IConstruct, ...findings: Finding[]): void {
  const all = findings.flatMap((finding) => [finding, ...(SAME_CHECK[finding.id] ?? []).map((id) => ({ ...finding, id }))]);

  const previous = scope.node.metadata.filter((entry) => entry.type === ACKNOWLEDGED_RULES).pop();
  const acknowledged: Record<string, string> = { ...(previous?.data ?? {}) };
  for (const finding of all) {
    for (const id of v3Ids(finding)) acknowledged[id] = finding.reason;
  }
  scope.node.addMetadata(ACKNOWLEDGED_RULES, acknowledged);

  const ids = new Set(all.map((f) => f.id));
  for (const resource of scope.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource)) {
    const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as NagV2Suppression[];
    resource.addMetadata('cdk_nag', {
      rules_to_suppress: [...existing.filter((s) => !ids.has(s.id)), ...all.map(v2Suppression)],
    });
  }
}

function v3Ids(finding: Finding): string[] {
  return finding.appliesTo ? finding.appliesTo.map((granular) => `${finding.id}[${granular}]`) : [finding.id];
}

function v2Suppression(finding: Finding): NagV2Suppression {
  return finding.appliesTo
    ? { id: finding.id, reason: finding.reason, applies_to: [...finding.appliesTo] }
    : { id: finding.id, reason: finding.reason };
}

/**
 * A resource as cdk-nag names it in a granular finding (`AwsSolutions-IAM5[Resource::<this>]`): references become
 * `<Name>` or `<LogicalId.Attribute>` and joins are flattened, so an acknowledgement can name exactly one wildcard.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  return flattenReference(Stack.of(scope).resolve(value));
}

function flattenReference(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = (value ?? {}) as { 'Ref'?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
  if (intrinsic.Ref !== undefined) return `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(flattenReference).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}
