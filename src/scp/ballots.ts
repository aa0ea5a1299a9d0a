import type {Ballot} from "./types.js";

/**
 * Ballot order of the draft ("Ballots"): counter first, then value compared as an unsigned
 * octet string. A null ballot is below every ballot.
 */
export function compareBallots(a: Ballot | null, b: Ballot | null): number {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return Buffer.compare(a.value, b.value);
}

/** Draft "compatible": same value. */
export function areBallotsCompatible(a: Ballot, b: Ballot): boolean {
  return a.value.equals(b.value);
}

/** a ≤ b and a ~ b. */
export function areBallotsLessAndCompatible(a: Ballot, b: Ballot): boolean {
  return compareBallots(a, b) <= 0 && areBallotsCompatible(a, b);
}

/** a ≤ b and a ≁ b. */
export function areBallotsLessAndIncompatible(a: Ballot, b: Ballot): boolean {
  return compareBallots(a, b) <= 0 && !areBallotsCompatible(a, b);
}

export function ballotsEqual(a: Ballot | null, b: Ballot | null): boolean {
  return compareBallots(a, b) === 0;
}

export function copyBallot(b: Ballot): Ballot {
  return {counter: b.counter, value: b.value};
}

/** Values sorted ascending and de-duplicated: the canonical order of nomination sets. */
export function sortedUniqueValues(values: Iterable<Buffer>): Buffer[] {
  const byHex = new Map<string, Buffer>();
  for (const v of values) byHex.set(v.toString("hex"), v);
  return [...byHex.values()].sort(Buffer.compare);
}

/** True when `values` is strictly increasing (sorted, no duplicates). */
export function isStrictlySorted(values: Buffer[]): boolean {
  for (let i = 1; i < values.length; i++) if (Buffer.compare(values[i - 1]!, values[i]!) >= 0) return false;
  return true;
}
