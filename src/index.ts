export * from './kinesis-stream';
