#!/usr/bin/env bash
# The library as a new user gets it, on the newest CDK: install the packed tarball (dist/js, from package:js) with the
# latest aws-cdk-lib, constructs and cdk-nag from the npm registry in a scratch folder, type-check and synthesize the
# example app there, and run AwsSolutions, NIST 800-53 rev 5 and Serverless in both cdk-nag forms: v3 Validations
# plugins (the latest cdk-nag) and v2 Aspects (the newest v2). Fails on any unacknowledged finding on the library's
# resources. npm's cache makes the install quick after the first run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/node_modules/.bin"

shopt -s nullglob
tarballs=("$ROOT"/dist/js/*.tgz)
if [ "${#tarballs[@]}" -ne 1 ]; then
  echo "nag-latest: expected one tarball in dist/js, found ${#tarballs[@]}; run \"npx projen package:js\" first" >&2
  exit 1
fi

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/nag-latest.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH"
echo '{ "name": "nag-latest", "private": true }' > package.json
# cdk-nag resolves to the newest v2 (the example app's NagSuppressions are v2), cdk-nag-latest to the registry's latest.
npm install --no-audit --no-fund --no-package-lock --loglevel=error \
  "${tarballs[0]}" aws-cdk-lib@latest constructs@latest 'cdk-nag@^2' cdk-nag-latest@npm:cdk-nag@latest '@types/node@^20'

# The example and the check, importing the package by name instead of ../src.
mkdir examples
sed "s#from '../src'#from 'cdk-kinesis-autoscaling'#" "$ROOT/examples/streaming-platform.ts" > examples/streaming-platform.ts
cp "$ROOT/.ci/nag-latest.ts" check.ts
# The README's complete first stack, exactly as a user copies it.
node -e '
  const readme = require("fs").readFileSync(process.argv[1], "utf8");
  const section = readme.slice(readme.indexOf("\n## Your first stack\n"));
  const block = /```ts[^\n]*\n([\s\S]*?)```/.exec(section);
  if (!block) { console.error("nag-latest: no TypeScript block under \"## Your first stack\" in README.md"); process.exit(1); }
  require("fs").writeFileSync("first-stack.ts", block[1]);
' "$ROOT/README.md"
"$BIN/tsc" --noEmit --strict --skipLibCheck --esModuleInterop --target ES2022 --module node16 --moduleResolution node16 \
  --types node check.ts examples/streaming-platform.ts first-stack.ts
"$BIN/esbuild" --log-level=warning --format=cjs --platform=node --target=node20 --outdir=. check.ts examples/streaming-platform.ts first-stack.ts
CDK_OUTDIR="$SCRATCH/first-stack.out" node first-stack.js
test -s "$SCRATCH/first-stack.out/Ingest.template.json"
echo "nag-latest: the README's first stack synthesized on aws-cdk-lib $(node -p 'require("aws-cdk-lib/package.json").version')"
node check.js
