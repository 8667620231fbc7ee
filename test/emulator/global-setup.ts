import { startKinesisEmulator } from './kinesis-emulator';

export default async function globalSetup(): Promise<void> {
  const emulator = await startKinesisEmulator();
  process.env.KINESIS_ENDPOINT = emulator.endpoint;
  (globalThis as { kinesisEmulator?: unknown }).kinesisEmulator = emulator.process;
}
