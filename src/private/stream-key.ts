import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Administration without use: the account can manage the key (and so never lose it) but not decrypt with it.
 * kms:CreateGrant is left out on purpose, since a grant could hand out decryption outside Kinesis.
 */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion', 'kms:CreateAlias', 'kms:DeleteAlias', 'kms:DescribeKey', 'kms:DisableKey',
  'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:EnableKeyRotation', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus',
  'kms:ListAliases', 'kms:ListGrants', 'kms:ListKeyPolicies', 'kms:ListResourceTags', 'kms:PutKeyPolicy',
  'kms:RevokeGrant', 'kms:RotateKeyOnDemand', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource',
  'kms:UpdateAlias', 'kms:UpdateKeyDescription',
];

/** The data-key operations Kinesis performs with the caller's credentials on PutRecord(s) and GetRecords. */
// Spelled out rather than GenerateDataKey* / ReEncrypt*: no wildcard action, and no data-key-pair actions Kinesis never calls.
const KINESIS_USE_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

export interface StreamKeyProps {
  readonly description: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A customer-managed key for one stream, rotated yearly, whose policy mirrors the AWS-managed `aws/kinesis` key:
 * principals of this account may use it only through Kinesis in this region, and only when their own IAM policy
 * also allows it (the stream's grant methods add exactly that). Cross-account grants add their own statements.
 */
export function createStreamKey(scope: Construct, id: string, props: StreamKeyProps): kms.Key {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  return new kms.Key(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'KeyAdministration',
          principals: [account],
          actions: KEY_ADMIN_ACTIONS,
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'UseThroughKinesisOnly',
          principals: [account],
          actions: KINESIS_USE_ACTIONS,
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:ViaService': `kinesis.${stack.region}.${stack.urlSuffix}`,
              'kms:CallerAccount': stack.account,
            },
          },
        }),
      ],
    }),
  });
}
