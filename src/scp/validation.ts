import {StrKey} from "@stellar/stellar-base";
import {areBallotsLessAndIncompatible, isStrictlySorted} from "./ballots.js";
import {checkQuorumSetSanity, type SanityResult} from "./quorum.js";
import type {Ballot, BallotPledge, Envelope, NominatePledge, QuorumSet, Statement} from "./types.js";

/**
 * Checks on what a peer sends, in two layers:
 *
 * 1. shape (`envelopeShapeError`): every field has the type the data model says (uint32
 *    integers, byte strings, StrKey node ids, a 32-byte quorum set hash). A peer's envelope
 *    arrives as decoded msgpack, so without this a `ballot: null`, a counter of 1.5 or a string
 *    `nC` would reach the protocol, where comparisons silently give nonsense.
 * 2. sanity (`statementSanityError`): the invariants stellar-core's `isStatementSane` (ballot
 *    statements) and `NominationProtocol::isSane` require of each statement type.
 *
 * Both return a reason string (for logs and counters) or undefined when the input is fine.
 */

const UINT32_MAX = 0xffffffff;

/** Limits on what one statement may carry; see `ScpOptions` for the defaults and why. */
export interface StatementLimits {
  maxValueBytes: number;
}

/**
 * Node ids already seen valid, memoised: the StrKey check (base32 + CRC) costs ~0.2 ms and
 * every envelope carries one. Bounded; cleared when full.
 */
const validNodeIds = new Set<string>();
export function isNodeId(s: unknown): s is string {
  if (typeof s !== "string") return false;
  if (validNodeIds.has(s)) return true;
  if (!StrKey.isValidEd25519PublicKey(s)) return false;
  if (validNodeIds.size >= 10_000) validNodeIds.clear();
  validNodeIds.add(s);
  return true;
}

export function isUint32(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;
}

function isBytes(b: unknown): b is Buffer {
  return Buffer.isBuffer(b);
}

function valueError(v: unknown, what: string, limits: StatementLimits): string | undefined {
  if (!isBytes(v)) return `${what} is not a byte string`;
  if (v.length > limits.maxValueBytes) return `${what} is longer than ${limits.maxValueBytes} bytes`;
  return undefined;
}

function ballotError(b: unknown, what: string, limits: StatementLimits): string | undefined {
  if (typeof b !== "object" || b === null) return `${what} is not a ballot`;
  const {counter, value} = b as Partial<Ballot>;
  if (!isUint32(counter)) return `${what}.counter is not a uint32`;
  return valueError(value, `${what}.value`, limits);
}

function optionalBallotError(b: unknown, what: string, limits: StatementLimits): string | undefined {
  return b === null ? undefined : ballotError(b, what, limits);
}

function uint32Fields(p: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) if (!isUint32(p[n])) return `${n} is not a uint32`;
  return undefined;
}

function pledgeShapeError(p: unknown, limits: StatementLimits): string | undefined {
  if (typeof p !== "object" || p === null) return "pledges missing";
  const r = p as Record<string, unknown>;
  switch (r.type) {
    case "nominate": {
      for (const list of ["voted", "accepted"] as const) {
        const vs = r[list];
        if (!Array.isArray(vs)) return `${list} is not a list`;
        for (const v of vs) {
          const e = valueError(v, `${list} value`, limits);
          if (e) return e;
        }
      }
      return undefined;
    }
    case "prepare":
      return (
        ballotError(r.ballot, "ballot", limits) ??
        optionalBallotError(r.prepared, "prepared", limits) ??
        optionalBallotError(r.preparedPrime, "preparedPrime", limits) ??
        uint32Fields(r, ["nC", "nH"])
      );
    case "confirm":
      return ballotError(r.ballot, "ballot", limits) ?? uint32Fields(r, ["nPrepared", "nCommit", "nH"]);
    case "externalize":
      return ballotError(r.commit, "commit", limits) ?? uint32Fields(r, ["nH"]);
    default:
      return `unknown statement type ${String(r.type)}`;
  }
}

/**
 * Shape of an envelope: what must hold before its bytes can even be serialised for the
 * signature check. Slot indexes are ledger sequences, hence uint32.
 */
export function envelopeShapeError(env: unknown, limits: StatementLimits): string | undefined {
  if (typeof env !== "object" || env === null) return "envelope is not an object";
  const {statement, signature} = env as Partial<Envelope>;
  if (!isBytes(signature) || signature.length > 64) return "signature is not a byte string of at most 64 bytes";
  if (typeof statement !== "object" || statement === null) return "statement missing";
  const st = statement as Partial<Statement>;
  if (!isNodeId(st.nodeId)) return "nodeId is not an ed25519 public key";
  if (!isUint32(st.slotIndex)) return "slotIndex is not a uint32";
  if (!isBytes(st.quorumSetHash) || st.quorumSetHash.length !== 32) return "quorumSetHash is not 32 bytes";
  return pledgeShapeError(st.pledges, limits);
}

/** stellar-core `NominationProtocol::isSane`: not empty, each list strictly ascending. */
export function nominationSanityError(p: NominatePledge): string | undefined {
  if (p.voted.length + p.accepted.length === 0) return "nomination votes and accepts nothing";
  if (!isStrictlySorted(p.voted)) return "nomination votes not sorted and unique";
  if (!isStrictlySorted(p.accepted)) return "nomination accepted values not sorted and unique";
  return undefined;
}

/**
 * stellar-core `BallotProtocol::isStatementSane` per statement type. `self`: the local node may
 * hold a PREPARE at counter 0 internally (never emitted).
 *
 * One rule is stricter than stellar-core: a p′ without p is refused (no honest node has an
 * accepted-prepared ballot below p without having p).
 */
export function ballotSanityError(p: BallotPledge, self: boolean): string | undefined {
  switch (p.type) {
    case "prepare":
      if (!self && p.ballot.counter === 0) return "prepare ballot counter is 0";
      if (p.preparedPrime && (!p.prepared || !areBallotsLessAndIncompatible(p.preparedPrime, p.prepared))) {
        return "prepared' is not below and incompatible with prepared";
      }
      if (p.nH !== 0 && (!p.prepared || p.nH > p.prepared.counter)) return "nH above prepared";
      if (p.nC !== 0 && (p.nH === 0 || p.nC > p.nH || p.nH > p.ballot.counter)) return "not nC <= nH <= ballot.counter";
      return undefined;
    case "confirm":
      if (p.ballot.counter === 0) return "confirm ballot counter is 0";
      if (p.nH > p.ballot.counter) return "confirm nH above ballot.counter";
      if (p.nCommit > p.nH) return "confirm nCommit above nH";
      // An honest node enters CONFIRM with c set, and c.counter >= 1.
      if (p.nCommit === 0) return "confirm nCommit is 0";
      return undefined;
    case "externalize":
      if (p.commit.counter === 0) return "externalize commit counter is 0";
      if (p.nH < p.commit.counter) return "externalize nH below commit counter";
      return undefined;
  }
}

export function statementSanityError(st: Statement, self: boolean): string | undefined {
  return st.pledges.type === "nominate" ? nominationSanityError(st.pledges) : ballotSanityError(st.pledges, self);
}

/**
 * A quorum set received from a peer (through the driver): shape first (uint32 thresholds,
 * StrKey validators, lists), then stellar-core's `isQuorumSetSane` rules (depth, threshold
 * range, duplicates, 1 to 1000 validators in total).
 */
export function checkReceivedQuorumSet(q: unknown): SanityResult {
  const shape = quorumSetShapeError(q, 0);
  if (shape) return {ok: false, reason: shape};
  const qset = q as QuorumSet;
  const sanity = checkQuorumSetSanity(qset);
  if (!sanity.ok) return sanity;
  if (countValidators(qset) < 1) return {ok: false, reason: "no validator in the quorum set"};
  return sanity;
}

/** Depth is bounded here too, so a hostile deeply nested object cannot exhaust the stack. */
function quorumSetShapeError(q: unknown, depth: number): string | undefined {
  if (depth > 8) return "quorum set nested too deeply";
  if (typeof q !== "object" || q === null) return "quorum set is not an object";
  const {threshold, validators, innerSets} = q as Partial<QuorumSet>;
  if (!isUint32(threshold)) return "quorum set threshold is not a uint32";
  if (!Array.isArray(validators) || !Array.isArray(innerSets)) return "quorum set lists missing";
  for (const v of validators) {
    if (!isNodeId(v)) return "quorum set validator is not an ed25519 public key";
  }
  for (const inner of innerSets) {
    const e = quorumSetShapeError(inner, depth + 1);
    if (e) return e;
  }
  return undefined;
}

function countValidators(q: QuorumSet): number {
  return q.validators.length + q.innerSets.reduce((n, i) => n + countValidators(i), 0);
}
