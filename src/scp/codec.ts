import {Packr} from "msgpackr";
import {ScpError, ScpErrorCode} from "./errors.js";
import {defaultScpOptions} from "./options.js";
import type {Ballot, Envelope, Pledge, Statement} from "./types.js";
import {envelopeShapeError} from "./validation.js";

/**
 * Wire form of statements and envelopes for the overlay (house rule: peer frames are msgpackr).
 * Statements are packed as arrays in a fixed field order so that the bytes a node signs are
 * the same on every node; `useRecords: false` keeps the format free of msgpackr record headers.
 */
const packr = new Packr({useRecords: false, variableMapSize: true});

type BallotTuple = [number, Buffer];
const ballotTuple = (b: Ballot | null): BallotTuple | null => (b ? [b.counter, b.value] : null);
const fromTuple = (t: BallotTuple | null): Ballot | null => (t ? {counter: t[0], value: toBuffer(t[1])} : null);
/** Only byte strings become Buffers: `Buffer.from` would also accept a string or a number list. */
const toBuffer = (b: unknown): Buffer => {
  if (!(b instanceof Uint8Array)) throw new ScpError(ScpErrorCode.MalformedEnvelope, "expected a byte string");
  return Buffer.from(b);
};

function pledgeTuple(p: Pledge): unknown[] {
  switch (p.type) {
    case "nominate":
      return [3, p.voted, p.accepted];
    case "prepare":
      return [0, ballotTuple(p.ballot), ballotTuple(p.prepared), ballotTuple(p.preparedPrime), p.nC, p.nH];
    case "confirm":
      return [1, ballotTuple(p.ballot), p.nPrepared, p.nCommit, p.nH];
    case "externalize":
      return [2, ballotTuple(p.commit), p.nH];
  }
}

function statementTuple(s: Statement): unknown[] {
  return [s.nodeId, s.slotIndex, s.quorumSetHash, pledgeTuple(s.pledges)];
}

/** Canonical bytes of a statement: what a node signs (prefix them with the network id). */
export function encodeStatement(statement: Statement): Buffer {
  return packr.pack(statementTuple(statement));
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return packr.pack([statementTuple(envelope.statement), envelope.signature]);
}

/** Decodes an envelope; throws on malformed input (the overlay drops the peer frame). */
export function decodeEnvelope(bytes: Buffer): Envelope {
  try {
    return decodeEnvelopeUnchecked(bytes);
  } catch (err) {
    if (err instanceof ScpError) throw err;
    throw new ScpError(ScpErrorCode.MalformedEnvelope, `undecodable SCP envelope: ${(err as Error).message}`);
  }
}

function decodeEnvelopeUnchecked(bytes: Buffer): Envelope {
  const [st, sig] = packr.unpack(bytes) as [unknown[], Uint8Array];
  const [nodeId, slotIndex, qh, pl] = st as [string, number, Uint8Array, unknown[]];
  const bufs = (a: unknown): Buffer[] => (a as unknown[]).map(toBuffer);
  let pledges: Pledge;
  switch (pl[0]) {
    case 3:
      pledges = {type: "nominate", voted: bufs(pl[1]), accepted: bufs(pl[2])};
      break;
    case 0:
      pledges = {
        type: "prepare",
        ballot: fromTuple(pl[1] as BallotTuple)!,
        prepared: fromTuple(pl[2] as BallotTuple | null),
        preparedPrime: fromTuple(pl[3] as BallotTuple | null),
        nC: pl[4] as number,
        nH: pl[5] as number,
      };
      break;
    case 1:
      pledges = {type: "confirm", ballot: fromTuple(pl[1] as BallotTuple)!, nPrepared: pl[2] as number, nCommit: pl[3] as number, nH: pl[4] as number};
      break;
    case 2:
      pledges = {type: "externalize", commit: fromTuple(pl[1] as BallotTuple)!, nH: pl[2] as number};
      break;
    default:
      throw new ScpError(ScpErrorCode.MalformedEnvelope, `unknown SCP statement type ${String(pl[0])}`);
  }
  const env: Envelope = {statement: {nodeId, slotIndex, quorumSetHash: toBuffer(qh), pledges}, signature: toBuffer(sig)};
  const err = envelopeShapeError(env, defaultScpOptions);
  if (err) throw new ScpError(ScpErrorCode.MalformedEnvelope, `malformed SCP envelope: ${err}`);
  return env;
}
