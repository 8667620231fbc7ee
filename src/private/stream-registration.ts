import { Lazy, Stack, TagManager, Token } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { readable } from './validation';
import { ManagedStreamInput, parseInput } from '../core/config';
import { MAX_SHARDS_PER_STREAM } from '../core/limits';
import { MAX_SHARED_READERS, SettingsInput } from '../core/settings';
import {
  AUTOSCALER_TAG, decodeSettingsDocument, encodeSettingsDocument, packSettingsDocuments, settingsPath,
} from '../core/settings-store';

/** A stream name is at most 128 characters; one known only at deploy time is counted at that length. */
const MAX_STREAM_NAME_CHARS = 128;
/** A tag wins over any `Tags.of()` aspect a user applies with the same key. */
const TAG_PRIORITY = 1000;

/**
 * A stream that counts its own shared-throughput readers at synth (`KinesisStream`): its grantRead grantees, polling
 * Lambda functions and polling KCL applications. Any other `IStream` counts none.
 */
interface CountsSharedReaders {
  _sharedReaderCount(): number;
}

/** One registered stream: its settings as given, and the readers its construct counts once the app is complete. */
interface Entry {
  readonly settings: ManagedStreamInput;
  readonly path: string;
  readonly countedReaders?: () => number;
}

/** Whether the autoscaler may act on the stream through its tag, or needs the stream's ARN in its policy. */
export type Authorization = 'tag' | 'arn';

/**
 * The streams one stack registers with one autoscaler, and the SSM parameters that hold their settings: as many
 * documents as the settings need (about 18 streams each at the longest names), named after the stack, so a deploy
 * of this stack writes only this stack's streams. The documents are checked at synth by the same `parseInput` the
 * handler runs.
 */
export class StreamRegistration extends Construct {
  private readonly entries: Entry[] = [];
  private readonly documents: ssm.CfnParameter[] = [];

  constructor(scope: Construct, id: string, private readonly autoscalerName: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.validate() });
  }

  /** Registers the stream, tags it for the autoscaler when this app creates it, and says how to authorize it. */
  public register(stream: kinesis.IStream, settings: SettingsInput): Authorization {
    if (this.entries.some((entry) => !Token.isUnresolved(stream.streamName) && entry.settings.streamName === stream.streamName)) {
      throw new Error(`stream ${stream.streamName} is already managed by this ShardAutoscaler; add each stream once`);
    }
    const authorization = this.tag(stream);
    const counter = (stream as Partial<CountsSharedReaders>)._sharedReaderCount;
    this.entries.push({
      settings: { streamName: stream.streamName, ...settings },
      path: stream.node.path,
      countedReaders: typeof counter === 'function' ? () => counter.call(stream) : undefined,
    });
    const needed = this.packEntries().length;
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

  /**
   * The documents, each entry with its readers: those set in `sharedReaders` plus those its stream counts, known only
   * once the app is complete. Packing sizes every counting entry at the most readers, so which document holds which
   * stream never depends on the count.
   */
  private pack(): ManagedStreamInput[][] {
    return this.packEntries().map((document) => document.map(withCountedReaders));
  }

  /** One document as it is written: only its own streams count their readers (each count walks the stack). */
  private packDocument(index: number): ManagedStreamInput[] {
    return (this.packEntries()[index] ?? []).map(withCountedReaders);
  }

  private packEntries(): Entry[][] {
    return packSettingsDocuments(this.entries, (entry) => JSON.stringify(standIn(sizedForReaders(entry), 0, MAX_SHARDS_PER_STREAM)).length +
      [entry.settings.minShards, entry.settings.maxShards].filter((count) => Token.isUnresolved(count)).length * TOKEN_NUMBER_EXTRA_CHARS);
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
      value: Lazy.string({ produce: () => stack.toJsonString(JSON.parse(encodeSettingsDocument(this.packDocument(index)))) }),
    }));
  }

  private validate(): string[] {
    const tooMany = this.entries.filter((entry) => entry.countedReaders).map((entry) => {
      const counted = entry.countedReaders!();
      const added = entry.settings.sharedReaders ?? 0;
      return counted + added > MAX_SHARED_READERS
        ? `stream ${entry.path} has ${counted + added} shared-throughput readers ` +
          `(${counted} counted on the stream: grantRead grantees, polling Lambda functions and polling KCL applications, plus sharedReaders ${added}), ` +
          `more than the ${MAX_SHARED_READERS} the autoscaler sizes for; give readers enhanced fan-out consumers (addLambdaConsumer(), addConsumer(), ` +
          'KclApplication enhancedFanOut: true)'
        : undefined;
    }).filter((message): message is string => message !== undefined);
    // The handler's own parser, on the documents as they will be written (names known only at deploy are stand-ins).
    const errors = tooMany.length > 0 ? tooMany : this.pack().flatMap((document, i) => {
      const text = encodeSettingsDocument(document.map((entry, j) => standIn(entry, i * 1000 + j, 1)));
      return parseInput({ streams: decodeSettingsDocument(`settings document ${i + 1}`, text) }).errors.map((e) => e.message);
    });
    return errors.map((message) => `ShardAutoscaler ${this.autoscalerName}: ${message}`);
  }
}

/**
 * The settings the handler reads: `sharedReaders` is the readers the stream counts plus those the user added; left
 * out when there are none and none were set, so write-only streams keep their settings as they were.
 */
function withCountedReaders(entry: Entry): ManagedStreamInput {
  const counted = entry.countedReaders?.() ?? 0;
  return counted === 0 ? entry.settings : { ...entry.settings, sharedReaders: (entry.settings.sharedReaders ?? 0) + counted };
}

/** The entry at its longest: a counting stream may carry up to the most readers. */
function sizedForReaders(entry: Entry): ManagedStreamInput {
  return entry.countedReaders ? { ...entry.settings, sharedReaders: MAX_SHARED_READERS } : entry.settings;
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
