import { request } from 'https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { reconcile, ReconcileResult } from './reconcile';
import { KinesisPort } from '../shared/kinesis-port';
import { RateLimiter, realSleep } from '../shared/rate-limiter';

/** Time kept back from the Lambda timeout to answer CloudFormation, which otherwise waits an hour. */
const SAFETY_MARGIN_MS = 30_000;

const port = new KinesisPort(new KinesisClient({}), { limiter: new RateLimiter(Date.now, realSleep) });

interface CloudFormationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly StreamName: string;
    readonly MinShards: string;
    readonly MaxShards: string;
    readonly Strict: string;
  };
}

interface LambdaContext {
  readonly logStreamName: string;
  getRemainingTimeInMillis(): number;
}

/**
 * The deploy-time reconciler, answering CloudFormation directly. Every path ends in exactly one response, so a
 * deployment never hangs on it.
 */
export async function handler(event: CloudFormationEvent, context: LambdaContext): Promise<void> {
  const props = event.ResourceProperties;
  const physicalId = event.PhysicalResourceId ?? `reconcile-${props.StreamName}`;
  let result: ReconcileResult | undefined;
  try {
    if (event.RequestType !== 'Delete') {
      result = await reconcile(port, {
        streamName: props.StreamName,
        minShards: Number(props.MinShards),
        maxShards: Number(props.MaxShards),
        strict: props.Strict === 'true',
      }, { deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS });
      console.log(JSON.stringify({ level: result.warning ? 'warn' : 'info', message: 'reconciled', stream: props.StreamName, ...result }));
    }
    await respond(event, context, 'SUCCESS', physicalId, result?.warning ?? 'OK', {
      OpenShards: String(result?.openShards ?? ''), Warning: result?.warning ?? '',
    });
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    console.log(JSON.stringify({ level: 'error', message: 'reconcile-failed', stream: props.StreamName, error: message }));
    await respond(event, context, 'FAILED', physicalId, message, {});
  }
}

function respond(
  event: CloudFormationEvent, context: LambdaContext, status: 'SUCCESS' | 'FAILED', physicalId: string, reason: string, data: Record<string, string>,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    // CloudFormation shows the reason in the stack events; the log stream tells an operator where to read more.
    Reason: `${reason} (log stream ${context.logStreamName})`.slice(0, 4000),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  return new Promise((resolve, reject) => {
    const req = request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}
