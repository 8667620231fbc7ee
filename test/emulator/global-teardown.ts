import { ChildProcess } from 'child_process';

export default async function globalTeardown(): Promise<void> {
  (globalThis as { kinesisEmulator?: ChildProcess }).kinesisEmulator?.kill();
}
