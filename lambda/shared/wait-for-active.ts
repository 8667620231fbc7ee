import { KinesisPort } from './kinesis-port';

/** Polls until the stream is ACTIVE; false when the deadline passes first. */
export async function waitForActive(
  port: KinesisPort, streamName: string, deadline: number, pollMs: number, now: () => number, sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
  for (;;) {
    if ((await port.status(streamName)).status === 'ACTIVE') return true;
    if (now() >= deadline) return false;
    await sleep(pollMs);
  }
}
