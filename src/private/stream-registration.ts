import { Lazy, Stack, TagManager, Token } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { readable } from './validation';
import { ManagedStreamInput, parseInput } from '../core/config';
import { MAX_SHARDS_PER_STREAM } from '../core/limits';
import { SettingsInput } from '../core/settings';
import {
  AUTOSCALER_TAG, decodeSettingsDocument, encodeSettingsDocument, packSettingsDocuments, settingsPath,
} from '../core/settings-store';

/** A stream name is at most 128 characters; one known only at deploy time is counted at that length. */
const MAX_STREAM_NAME_CHARS = 128;
/** A tag wins over any `Tags.of()` aspect a user applies with the same key. */
const TAG_PRIORITY = 1000;

/** Whether the autoscaler may act on the stream through its tag, or needs the stream's ARN in its policy. */
export type Authorization = 'tag' | 'arn';

/**
 * The streams one stack registers with one autoscaler, and the SSM parameters that hold their settings: as many
 * documents as the settings need (about 18 streams each at the longest names), named after the stack, so a deploy
 * of this stack writes only this stack's streams. The documents are checked at synth by the same `parseInput` the
 * handler runs.
 */
export class StreamRegistration extends Construct {
  private readonly entries: ManagedStreamInput[] = [];
  private readonly documents: ssm.CfnParameter[] = [];

  constructor(scope: Construct, id: string, private readonly autoscalerName: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.validate() });
  }

  /** Registers the stream, tags it for the autoscaler when this app creates it, and says how to authorize it. */
  public register(stream: kinesis.IStream, settings: SettingsInput): Authorization {
    if (this.entries.some((entry) => !Token.isUnresolved(stream.streamName) && entry.streamName === stream.streamName)) {
      throw new Error(`stream ${stream.streamName} is already managed by this ShardAutoscaler; add each stream once`);
    }
    const authorization = this.tag(stream);
    this.entries.push({ streamName: stream.streamName, ...settings });
    const needed = this.pack().length;
    while (this.documents.length < needed) this.addDocument(this.documents.length);
    return authorization;
  }

  /** How many streams are registered. */
  public get size(): number {
    return this.entries.length;
  }

  private tag(stream: kinesis.IStream): Authorization {
    const cfnStream = stream.node.findAll().find((c): c is kinesis.CfnStream => c instanceof kinesis.CfnStream);
    const tags = cfnStream ? TagManager.of(cfnStream) : undefined;
    if (!tags) return 'arn';
    const current = tags.tagValues()[AUTOSCALER_TAG];
    if (current === this.autoscalerName) {
      throw new Error(`stream ${readable(stream.streamName, 'with a deploy-time name')} is already managed by this ShardAutoscaler; add each stream once`);
    }
    if (current !== undefined) {
      throw new Error(`stream ${readable(stream.streamName, 'with a deploy-time name')} is already managed by the autoscaler ${current}; a stream is scaled by one autoscaler`);
    }
    tags.setTag(AUTOSCALER_TAG, this.autoscalerName, TAG_PRIORITY);
    return 'tag';
  }

  private pack(): ManagedStreamInput[][] {
    return packSettingsDocuments(this.entries, (entry) => JSON.stringify(standIn(entry, 0, MAX_SHARDS_PER_STREAM)).length +
      [entry.minShards, entry.maxShards].filter((count) => Token.isUnresolved(count)).length * TOKEN_NUMBER_EXTRA_CHARS);
  }

  private addDocument(index: number): void {
    const stack = Stack.of(this);
    const number = index + 1;
    this.documents.push(new ssm.CfnParameter(this, `Settings${number}`, {
      type: 'String',
      tier: 'Standard',
      name: `${settingsPath(this.autoscalerName)}${stack.stackName}/${number}`,
      description: `Settings of Kinesis streams of stack ${stack.stackName} scaled by the autoscaler ${this.autoscalerName} (cdk-kinesis-autoscaling)`,
      // Packed again when the template is rendered, once every stream has been added.
      value: Lazy.string({ produce: () => stack.toJsonString(JSON.parse(encodeSettingsDocument(this.pack()[index] ?? []))) }),
    }));
  }

  private validate(): string[] {
    // The handler's own parser, on the documents as they will be written (names known only at deploy are stand-ins).
    const errors = this.pack().flatMap((document, i) => {
      const text = encodeSettingsDocument(document.map((entry, j) => standIn(entry, i * 1000 + j, 1)));
      return parseInput({ streams: decodeSettingsDocument(`settings document ${i + 1}`, text) }).errors.map((e) => e.message);
    });
    return errors.map((message) => `ShardAutoscaler ${this.autoscalerName}: ${message}`);
  }
}

/**
 * The entry with stand-ins for values known only at deploy time: a name of the longest length Kinesis allows, and
 * shard counts of the widest range (`minShards` as `tokenMinShards`, `maxShards` as 10,000), which the handler checks.
 */
/**
 * CloudFormation writes a Number parameter into a string as the text it was given (`10000.000000`), which can be far
 * longer than the number: each deploy-time shard count is given this much room beyond its stand-in's.
 */
const TOKEN_NUMBER_EXTRA_CHARS = 24;

function standIn(entry: ManagedStreamInput, index: number, tokenMinShards: number): ManagedStreamInput {
  return {
    ...entry,
    // Distinct, so that two streams with deploy-time names are not taken for one.
    streamName: Token.isUnresolved(entry.streamName) ? String(index).padStart(MAX_STREAM_NAME_CHARS, 'x') : entry.streamName,
    minShards: Token.isUnresolved(entry.minShards) ? tokenMinShards : entry.minShards,
    maxShards: Token.isUnresolved(entry.maxShards) ? MAX_SHARDS_PER_STREAM : entry.maxShards,
  };
}
