#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into assets/cli/index.js at build time
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into assets/cli/index.js at build time
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { main } from './cli';
import { ImportError } from './import';

/** The package root: this file runs bundled as assets/cli/index.js (and compiled as lib/replay/bin.js). */
const ROOT = path.join(__dirname, '..', '..');

void main(process.argv.slice(2), {
  readFile: (file) => fs.readFileSync(file, 'utf8'),
  writeFile: (file, text) => {
    const fd = fs.openSync(file, 'w');
    try {
      for (const part of typeof text === 'string' ? [text] : text) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
  },
  checkWritable: (file) => {
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    // Opening is the only test that holds everywhere (a root user passes access() checks in /proc); a file created
    // only to find that out is removed again.
    const existed = fs.existsSync(file);
    try {
      fs.closeSync(fs.openSync(file, 'a'));
    } catch (e) {
      const folderExists = fs.existsSync(path.dirname(path.resolve(file)));
      throw (e as { code?: string }).code === 'ENOENT' && folderExists ? Object.assign(new Error('refused'), { code: 'EREFUSED' }) : e;
    }
    if (!existed) fs.unlinkSync(file);
  },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  version: () => (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  aws: async (region) => {
    const cloudwatch = new CloudWatchClient(region ? { region } : {});
    const kinesis = new KinesisClient(region ? { region } : {});
    let resolved: string;
    try {
      resolved = await cloudwatch.config.region();
    } catch {
      resolved = '';
    }
    if (!resolved) throw new ImportError('no AWS region: pass --region or set AWS_REGION');
    return { cloudwatch, kinesis, region: resolved };
  },
  now: () => new Date(),
}).then((code) => {
  process.exitCode = code;
});
