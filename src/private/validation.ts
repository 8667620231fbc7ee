import { Token } from 'aws-cdk-lib';
import { assertWholeNumber } from '../core/checks';

/**
 * Synth-time checks shared by every construct. Each message names the prop, the value received and what is allowed,
 * and each check passes tokens through untouched (their value is only known at deploy time).
 */

export function assertIntegerInRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  assertWholeNumber(prop, value, min, max);
}

/** The value for an error message: tokens are shown as such instead of as their opaque string. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string' && Token.isUnresolved(value)) return '(token)';
  return JSON.stringify(value);
}

/** A name or place for a message: a token reads as what it stands for (`unresolved`), never as `${Token[...]}`. */
export function readable(value: string | undefined, unresolved: string): string {
  return value === undefined || Token.isUnresolved(value) ? `(${unresolved})` : value;
}

/** Whether two values are both known at synth and differ: a token may turn out to be anything. */
export function knownAndDifferent(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}
