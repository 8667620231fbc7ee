import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const ROOT = path.join(__dirname, '..', '..');

/** kinesis-local (kinesis-mock): a real Kinesis API with resharding shortened from ~30 s to 100 ms. */
export async function startKinesisEmulator(options: { readonly shardLimit?: number } = {}): Promise<{ endpoint: string; process: ChildProcess }> {
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'kinesis-local', 'main.js')], {
    env: {
      ...process.env,
      KINESIS_MOCK_CERT_PATH: path.join(ROOT, 'node_modules', 'kinesis-local', 'server.json'),
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      CREATE_STREAM_DURATION: '100ms',
      DELETE_STREAM_DURATION: '100ms',
      SPLIT_SHARD_DURATION: '100ms',
      MERGE_SHARDS_DURATION: '100ms',
      UPDATE_SHARD_COUNT_DURATION: '100ms',
      // Many test files share one emulator and leave their streams behind; AWS's default of 50 would run out.
      SHARD_LIMIT: String(options.shardLimit ?? 2000),
      LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const endpoint = `http://127.0.0.1:${plainPort}`;
  const client = kinesisClient(endpoint);
  const giveUpAt = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await client.send(new ListStreamsCommand({}));
        return { endpoint, process: child };
      } catch (error) {
        if (child.exitCode !== null || Date.now() > giveUpAt) {
          child.kill();
          throw new Error(`kinesis-local did not start on ${endpoint}: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.destroy();
  }
}

/** An SDK v3 client for the emulator: HTTP/1.1 on the plain port, dummy credentials, no retries to hide errors. */
export function kinesisClient(endpoint = process.env.KINESIS_ENDPOINT): KinesisClient {
  if (!endpoint) throw new Error('KINESIS_ENDPOINT is not set: the jest global setup starts kinesis-local and sets it');
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

let streamCounter = 0;

/** A new stream with a name no other test uses, once it is ACTIVE. */
export async function createActiveStream(client: KinesisClient, shardCount: number): Promise<string> {
  const name = `test-${process.pid}-${Date.now()}-${streamCounter++}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitUntilActive(client, name);
  return name;
}

export async function waitUntilActive(client: KinesisClient, streamName: string): Promise<void> {
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
