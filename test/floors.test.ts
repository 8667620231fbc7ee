import * as fs from 'fs';
import * as path from 'path';

/** What the package declares, and what the tests run on: they must be the same versions. */
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
const installed = (name: string): string => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;

describe.each(['aws-cdk-lib', 'constructs'])('%s', (name) => {
  const floor = String(pkg.peerDependencies[name]).replace(/^\^/, '');

  test('the peer range is a caret range from one exact floor', () => {
    expect(pkg.peerDependencies[name]).toMatch(/^\^\d+\.\d+\.\d+$/);
  });

  test('development pins exactly the declared floor', () => {
    expect(pkg.devDependencies[name]).toEqual(floor);
  });

  test('the tests run on the declared floor', () => {
    expect(installed(name)).toEqual(floor);
  });
});
