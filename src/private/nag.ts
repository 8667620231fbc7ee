import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The metadata key aws-cdk-lib's `Validations.acknowledge()` writes, and cdk-nag v3 reads up the construct tree. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

export interface Finding {
  /** The rule, for example `AwsSolutions-SQS3`. */
  readonly id: string;
  /** Why the finding is a deliberate design choice, for a security reviewer. */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings on a construct and everything below it.
 *
 * `Validations.acknowledge()` only exists from aws-cdk-lib 2.257 on, above this library's floor, so the same
 * metadata it records is written directly; the v2 `cdk_nag` block is written on the L1 too, so users of either
 * cdk-nag major see the same reasons.
 */
export function acknowledgeFindings(scope: IConstruct, ...findings: Finding[]): void {
  const previous = scope.node.metadata.filter((entry) => entry.type === ACKNOWLEDGED_RULES).pop();
  const acknowledged: Record<string, string> = { ...(previous?.data ?? {}) };
  for (const finding of findings) acknowledged[finding.id] = finding.reason;
  scope.node.addMetadata(ACKNOWLEDGED_RULES, acknowledged);

  const resource = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (resource instanceof CfnResource) {
    const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as Finding[];
    const ids = new Set(findings.map((f) => f.id));
    resource.addMetadata('cdk_nag', {
      rules_to_suppress: [...existing.filter((f) => !ids.has(f.id)), ...findings.map((f) => ({ id: f.id, reason: f.reason }))],
    });
  }
}
