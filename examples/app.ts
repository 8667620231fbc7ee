import * as path from 'path';
import { App, Tags } from 'aws-cdk-lib';
import { StreamingPlatformStack } from './streaming-platform';

// Run directly (npm run example) it writes to the repo's cdk.out/; under the CDK CLI, wherever the CLI says.
const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, '..', 'cdk.out') });
const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
Tags.of(stack).add('owner', 'platform-team');
app.synth();
