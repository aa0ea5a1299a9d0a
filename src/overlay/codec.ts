/**
 * Peer frames: a 4-byte big-endian length, then one msgpackr-encoded message. Every field of a
 * decoded message is checked here (types, sizes, ranges, no extra keys) before anything else
 * sees it: a peer is untrusted input.
 */
import {Packr} from "msgpackr";
import type {OverlayMessage, OverlayMessageType} from "./interface.js";
import {OverlayError, OverlayErrorCode} from "./errors.js";

/** Bumped when a frame's meaning changes; peers of another version are refused at the handshake. */
export const OVERLAY_VERSION = 3;
/** Ledgers one get_ledgers may ask for and one ledgers reply may carry: one 64-ledger checkpoint. */
export const MAX_LEDGERS_PER_REQUEST = 64;
/** A transaction or SCP envelope: Stellar caps a tx at 100 operations, far below 64 KiB. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
/** A quorum set body: nested sets are bounded in depth and size well below this. */
export const MAX_QSET_BYTES = 64 * 1024;
const HASH_BYTES = 32;
/**
 * Hashes in one tx_advert or tx_demand, and envelopes in one txs frame: stellar-core's
 * TX_ADVERT_VECTOR_MAX_SIZE and TX_DEMAND_VECTOR_MAX_SIZE (1000).
 */
export const MAX_PULL_BATCH = 1000;
const MAX_WHAT_CHARS = 32;
const LENGTH_BYTES = 4;

/** Handshake messages: exchanged before a connection carries any OverlayMessage. */
export type HandshakeMessage =
  /** `node` is the raw ed25519 public key; `port` the sender's listening port (0: none). */
  | {type: "hello"; version: number; network: Buffer; node: Buffer; nonce: Buffer; port: number}
  /** Signature by the sender's node key over authPayload(network, own nonce, peer nonce). */
  | {type: "auth"; sig: Buffer}
  /** Why the sender is about to close the connection. */
  | {type: "error"; code: string; message: string};

/**
 * Pull-mode transaction flooding, as stellar-core's FLOOD_ADVERT / FLOOD_DEMAND: a node announces
 * the hashes of txs it accepted, a peer demands the ones it lacks, and the bodies answer the
 * demand. Hashes are sha256 of the raw envelope bytes, so a receiver dedupes before decoding.
 * The overlay speaks these itself; the herder only ever sees `tx` messages.
 */
export type PullMessage =
  /** Concatenated 32-byte tx hashes, 1..MAX_PULL_BATCH of them. */
  | {type: "tx_advert"; hashes: Buffer}
  /** Concatenated 32-byte tx hashes the sender wants the bodies of. */
  | {type: "tx_demand"; hashes: Buffer}
  /** Tx bodies (TransactionEnvelope XDR) answering demands, 1..MAX_PULL_BATCH of them. */
  | {type: "txs"; envelopes: Buffer[]};

export type WireMessage = OverlayMessage | HandshakeMessage | PullMessage;

const packr = new Packr({useRecords: false, copyBuffers: true, mapsAsObjects: true, moreTypes: false});

export function encodeFrame(msg: WireMessage): Buffer {
  const body = packr.pack(msg);
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, LENGTH_BYTES);
  return frame;
}

/**
 * Reassembles frames from socket chunks. Holds at most one frame's bytes (≤ maxFrameBytes plus
 * one chunk), so a peer cannot grow it by announcing a huge length.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** The complete frames' bodies in `chunk` and before it; throws BAD_FRAME on an oversized length. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < LENGTH_BYTES) break;
      const head = this.peek(LENGTH_BYTES);
      const len = head.readUInt32BE(0);
      if (len === 0 || len > this.maxFrameBytes) {
        throw new OverlayError(OverlayErrorCode.BAD_FRAME, `frame of ${len} bytes (limit ${this.maxFrameBytes})`, {bytes: len});
      }
      if (this.buffered < LENGTH_BYTES + len) break;
      const all = this.take(LENGTH_BYTES + len);
      out.push(all.subarray(LENGTH_BYTES));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return all.subarray(0, n);
  }
}

function bad(message: string, meta: Record<string, unknown> = {}): OverlayError {
  return new OverlayError(OverlayErrorCode.BAD_FRAME, message, meta);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

function keysExactly(o: Record<string, unknown>, keys: readonly string[]): void {
  const got = Object.keys(o);
  if (got.length !== keys.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(o, k))) {
    throw bad(`message "${String(o.type)}" must have exactly the fields ${keys.join(", ")}`, {fields: got.join(",")});
  }
}

function buf(o: Record<string, unknown>, key: string, min: number, max: number): Buffer {
  const v = o[key];
  if (!Buffer.isBuffer(v)) throw bad(`field ${key} must be bytes`, {field: key});
  if (v.length < min || v.length > max) throw bad(`field ${key} has ${v.length} bytes, expected ${min}..${max}`, {field: key, bytes: v.length});
  return v;
}

function uint(o: Record<string, unknown>, key: string, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw bad(`field ${key} must be a whole number 0..${max}`, {field: key});
  return v;
}

function str(o: Record<string, unknown>, key: string, max: number): string {
  const v = o[key];
  if (typeof v !== "string" || v.length > max) throw bad(`field ${key} must be a string of at most ${max} characters`, {field: key});
  return v;
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set<OverlayMessageType>([
  "tx",
  "scp",
  "get_tx_set",
  "tx_set",
  "get_qset",
  "qset",
  "get_ledgers",
  "ledgers",
  "dont_have",
  "status",
]);

/** Decodes and checks one frame body; throws BAD_FRAME naming what is wrong. */
export function decodeMessage(body: Buffer, maxFrameBytes: number): WireMessage {
  let raw: unknown;
  try {
    raw = packr.unpack(body);
  } catch (err) {
    throw bad(`frame is not msgpack: ${(err as Error).message}`);
  }
  if (!isPlainObject(raw)) throw bad("frame is not a message object");
  const type = raw.type;
  const o = raw;
  switch (type) {
    case "hello":
      keysExactly(o, ["type", "version", "network", "node", "nonce", "port"]);
      return {
        type,
        version: uint(o, "version", 0xffff),
        network: buf(o, "network", HASH_BYTES, HASH_BYTES),
        node: buf(o, "node", 32, 32),
        nonce: buf(o, "nonce", 32, 32),
        port: uint(o, "port", 0xffff),
      };
    case "auth":
      keysExactly(o, ["type", "sig"]);
      return {type, sig: buf(o, "sig", 64, 64)};
    case "error":
      keysExactly(o, ["type", "code", "message"]);
      return {type, code: str(o, "code", 64), message: str(o, "message", 1024)};
    case "tx":
    case "scp":
      keysExactly(o, ["type", "envelope"]);
      return {type, envelope: buf(o, "envelope", 1, MAX_ENVELOPE_BYTES)};
    case "tx_advert":
    case "tx_demand": {
      keysExactly(o, ["type", "hashes"]);
      const hashes = buf(o, "hashes", HASH_BYTES, HASH_BYTES * MAX_PULL_BATCH);
      if (hashes.length % HASH_BYTES !== 0) throw bad(`${type}.hashes must be whole 32-byte hashes`, {bytes: hashes.length});
      return {type, hashes};
    }
    case "txs": {
      keysExactly(o, ["type", "envelopes"]);
      const envelopes = o.envelopes;
      if (!Array.isArray(envelopes) || envelopes.length === 0 || envelopes.length > MAX_PULL_BATCH) {
        throw bad(`txs.envelopes must be a list of 1..${MAX_PULL_BATCH} byte strings`);
      }
      envelopes.forEach((e, i) => {
        if (!Buffer.isBuffer(e) || e.length === 0 || e.length > MAX_ENVELOPE_BYTES) throw bad(`txs.envelopes[${i}] must be 1..${MAX_ENVELOPE_BYTES} bytes`, {index: i});
      });
      return {type, envelopes: envelopes as Buffer[]};
    }
    case "get_tx_set":
    case "get_qset":
      keysExactly(o, ["type", "hash"]);
      return {type, hash: buf(o, "hash", HASH_BYTES, HASH_BYTES)};
    case "tx_set":
      keysExactly(o, ["type", "hash", "body"]);
      return {type, hash: buf(o, "hash", HASH_BYTES, HASH_BYTES), body: buf(o, "body", 0, maxFrameBytes)};
    case "qset":
      keysExactly(o, ["type", "hash", "body"]);
      return {type, hash: buf(o, "hash", HASH_BYTES, HASH_BYTES), body: buf(o, "body", 1, MAX_QSET_BYTES)};
    case "get_ledgers": {
      keysExactly(o, ["type", "from", "to"]);
      const from = uint(o, "from", 0xffffffff);
      const to = uint(o, "to", 0xffffffff);
      if (from < 1 || to < from || to - from + 1 > MAX_LEDGERS_PER_REQUEST) {
        throw bad(`get_ledgers ${from}..${to}: need 1 ≤ from ≤ to and at most ${MAX_LEDGERS_PER_REQUEST} ledgers`, {from, to});
      }
      return {type, from, to};
    }
    case "ledgers": {
      keysExactly(o, ["type", "items"]);
      const items = o.items;
      if (!Array.isArray(items) || items.length > MAX_LEDGERS_PER_REQUEST) {
        throw bad(`ledgers.items must be a list of at most ${MAX_LEDGERS_PER_REQUEST} byte strings`);
      }
      items.forEach((it, i) => {
        if (!Buffer.isBuffer(it) || it.length === 0) throw bad(`ledgers.items[${i}] must be non-empty bytes`, {index: i});
      });
      return {type, items: items as Buffer[]};
    }
    case "dont_have": {
      keysExactly(o, ["type", "what", "key"]);
      const what = str(o, "what", MAX_WHAT_CHARS);
      if (!MESSAGE_TYPES.has(what)) throw bad(`dont_have.what "${what}" is not a message type`);
      return {type, what, key: buf(o, "key", 0, 64)};
    }
    case "status":
      keysExactly(o, ["type", "ledger", "phase", "peers"]);
      return {type, ledger: uint(o, "ledger", 0xffffffff), phase: str(o, "phase", 16), peers: uint(o, "peers", 0xffff)};
    default:
      throw bad(`unknown message type ${typeof type === "string" ? JSON.stringify(type.slice(0, 32)) : typeof type}`);
  }
}

/** Messages the overlay floods (dedupe by hash) rather than sends point to point. */
export function isFlooded(msg: OverlayMessage): msg is Extract<OverlayMessage, {type: "tx" | "scp"}> {
  return msg.type === "tx" || msg.type === "scp";
}

/** The bytes an ed25519 handshake signature covers: domain, network id, signer's nonce, other's nonce. */
export function authPayload(network: Buffer, ownNonce: Buffer, peerNonce: Buffer): Buffer {
  return Buffer.concat([Buffer.from("diamante-overlay-auth-v1", "utf8"), network, ownNonce, peerNonce]);
}
