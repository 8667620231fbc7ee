#!/usr/bin/env node
import * as fs from 'fs';
import { main } from './cli';

process.exitCode = main(process.argv.slice(2), {
  readFile: (file) => fs.readFileSync(file, 'utf8'),
  writeFile: (file, text) => fs.writeFileSync(file, text),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
