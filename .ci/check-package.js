#!/usr/bin/env node
// Fails when the npm tarball that jsii-pacmak built (dist/js/*.tgz, the one that is published) holds anything but what
// a user needs: the compiled library, the pre-bundled handlers, the docs, the licence and the jsii assembly.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

// assets/cli is the bundled planning command (the package's bin) with the licence notices of what it bundles.
const ALLOWED = [/^lib\/.+\.(js|d\.ts)$/, /^assets\/lambda\/[^/]+\/[^/]+\/index\.js$/, /^assets\/cli\/index\.js(\.LEGAL\.txt)?$/, /^API\.md$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/, /^\.jsii$/];
const REQUIRED = ['lib/index.js', 'lib/index.d.ts', 'assets/cli/index.js', 'API.md', 'README.md', 'LICENSE', 'package.json', '.jsii'];

const dir = path.join(__dirname, '..', 'dist', 'js');
const tarballs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')) : [];
if (tarballs.length !== 1) {
  console.error(`check-package: expected one tarball in dist/js, found ${tarballs.length}; run "npx projen package:js" first`);
  process.exit(1);
}
const files = execFileSync('tar', ['-tzf', path.join(dir, tarballs[0])], { encoding: 'utf8' })
  .split('\n').filter((line) => line && !line.endsWith('/')).map((line) => line.replace(/^package\//, ''));

const unexpected = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
const missing = REQUIRED.filter((file) => !files.includes(file));
if (!files.some((file) => file.startsWith('assets/'))) missing.push('assets/ (the bundled handlers)');

const tops = [...new Set(files.map((file) => file.split('/')[0] + (file.includes('/') ? '/' : '')))].sort();
console.log(`check-package: ${tarballs[0]} holds ${files.length} files: ${tops.join(', ')}`);
if (unexpected.length > 0) console.error(`check-package: files that must not ship:\n  ${unexpected.join('\n  ')}`);
if (missing.length > 0) console.error(`check-package: files missing from the tarball:\n  ${missing.join('\n  ')}`);
process.exit(unexpected.length + missing.length > 0 ? 1 : 0);
