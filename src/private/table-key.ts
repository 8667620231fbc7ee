import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * What DynamoDB does with a table's customer-managed key on its callers' behalf: data keys, and a grant it creates
 * when the table is created. Spelled out: no wildcard action.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
 */
const DYNAMODB_USE_ACTIONS = [
  'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
];

/**
 * Lets principals of this account use `key` through DynamoDB in this region, when their IAM policies allow it too.
 *
 * The stream's own key allows use through Kinesis only, so a table encrypted with it needs this statement. Returns
 * false when the key's policy cannot be changed from here (an imported key): its owner must allow it instead.
 */
export function allowUseThroughDynamoDb(key: kms.IKey): boolean {
  const stack = Stack.of(key);
  const result = key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'UseThroughDynamoDbOnly',
    principals: [new iam.AccountRootPrincipal()],
    actions: DYNAMODB_USE_ACTIONS,
    resources: ['*'], // In a key policy, "*" means this key.
    conditions: {
      StringEquals: {
        'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}`,
        'kms:CallerAccount': stack.account,
      },
    },
  }), true);
  return result.statementAdded;
}
