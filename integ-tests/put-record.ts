import { IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { KinesisStream } from '../src';

/**
 * An assertion that puts one record on the stream as a producer would, with the key action producers need (the
 * assertion provider is not an IGrantable, so the statement is written out).
 */
export function putRecord(integ: IntegTest, stream: KinesisStream, data: string): IApiCall {
  const put = integ.assertions.awsApiCall('Kinesis', 'putRecord', { StreamName: stream.streamName, PartitionKey: 'integ', Data: data });
  put.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [stream.encryptionKey!.keyArn] });
  return put;
}
