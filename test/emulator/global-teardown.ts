import { ChildProcess } from 'child_process';

export default async function globalTeardown(): Promise<void> {
  const emulator = (globalThis as { kinesisEmulator?: ChildProcess }).kinesisEmulator;
  if (!emulator || emulator.exitCode !== null) return;
  const exited = new Promise((resolve) => emulator.once('exit', resolve));
  emulator.kill();
  await exited;
}
