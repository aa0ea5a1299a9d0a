/**
 * The archive's state files, like stellar-core's HistoryArchiveState: one JSON per checkpoint
 * (`history/…/history-XXXXXXXX.json`) and a copy of the latest at `.well-known/stellar-history.json`.
 * Each lists the checkpoint's files with their sha256, so a damaged or altered file is refused
 * before it is decoded; the headers themselves are checked against the hash chain from genesis.
 */
import {createHash} from "node:crypto";
import {gunzipSync, gzipSync} from "node:zlib";
import {Packr} from "msgpackr";
import {CHECKPOINT_FREQUENCY} from "./checkpoint.js";
import {HistoryError, HistoryErrorCode} from "./errors.js";

export const STATE_VERSION = 1;

export type FileKind = "ledger" | "transactions" | "results" | "snapshot";

export interface ArchiveFile {
  path: string;
  /** hex sha256 of the file's bytes as stored (gzipped). */
  sha256: string;
}

/** What a network's genesis is made of: a node rebuilds it and must get `hash`. */
export interface GenesisParams {
  hash: string;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
  protocolVersion: number;
  /** Stroops, as a decimal string (int64 does not fit a JSON number). */
  totalCoins: string;
}

export interface ArchiveState {
  version: number;
  server: string;
  networkPassphrase: string;
  checkpointFrequency: number;
  /** The checkpoint this state describes (its last ledger). */
  currentLedger: number;
  currentLedgerHash: string;
  genesis: GenesisParams;
  files: Partial<Record<FileKind, ArchiveFile>>;
  /** The latest checkpoint at or before this one whose files include a state snapshot (0: none). */
  lastSnapshot: number;
}

function corrupt(what: string, message: string): HistoryError {
  return new HistoryError(HistoryErrorCode.CORRUPT, `${what}: ${message}`, {file: what});
}

export function sha256Hex(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Parses and checks a state file; `what` names it in errors. */
export function parseState(bytes: Buffer, what: string): ArchiveState {
  let o: unknown;
  try {
    o = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw corrupt(what, `not JSON (${(err as Error).message})`);
  }
  const s = o as Record<string, unknown>;
  const isU32 = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  const isHex = (v: unknown) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw corrupt(what, "not an object");
  if (s.version !== STATE_VERSION) throw corrupt(what, `version ${String(s.version)}, this build reads ${STATE_VERSION}`);
  if (typeof s.server !== "string" || typeof s.networkPassphrase !== "string" || s.networkPassphrase === "") throw corrupt(what, "server and networkPassphrase must be strings");
  if (s.checkpointFrequency !== CHECKPOINT_FREQUENCY) throw corrupt(what, `checkpointFrequency must be ${CHECKPOINT_FREQUENCY}`);
  if (!isU32(s.currentLedger) || !isHex(s.currentLedgerHash) || !isU32(s.lastSnapshot)) throw corrupt(what, "currentLedger, currentLedgerHash and lastSnapshot are malformed");
  const g = s.genesis as Record<string, unknown> | undefined;
  if (
    typeof g !== "object" ||
    g === null ||
    !isHex(g.hash) ||
    !isU32(g.baseFee) ||
    !isU32(g.baseReserve) ||
    !isU32(g.maxTxSetSize) ||
    !isU32(g.protocolVersion) ||
    typeof g.totalCoins !== "string" ||
    !/^[0-9]{1,19}$/.test(g.totalCoins)
  ) {
    throw corrupt(what, "genesis parameters are malformed");
  }
  const files = s.files as Record<string, unknown> | undefined;
  if (typeof files !== "object" || files === null || Array.isArray(files)) throw corrupt(what, "files must be an object");
  for (const [k, f] of Object.entries(files)) {
    const ff = f as Record<string, unknown>;
    if (!["ledger", "transactions", "results", "snapshot"].includes(k) || typeof ff !== "object" || ff === null || typeof ff.path !== "string" || !isHex(ff.sha256)) {
      throw corrupt(what, `file entry ${k.slice(0, 32)} is malformed`);
    }
  }
  return o as ArchiveState;
}

export function encodeState(s: ArchiveState): Buffer {
  return Buffer.from(JSON.stringify(s, null, 2) + "\n", "utf8");
}

const packr = new Packr({useRecords: false, copyBuffers: true, mapsAsObjects: true});

/** A checkpoint data file: gzip(msgpack([1, payload])). */
export function packFile(payload: unknown): Buffer {
  return gzipSync(packr.pack([1, payload]));
}

/** Checks the stored bytes against the state's sha256, then unpacks; `what` names the file in errors. */
export function unpackFile(bytes: Buffer, expected: ArchiveFile, what: string): unknown {
  const got = sha256Hex(bytes);
  if (got !== expected.sha256) throw corrupt(what, `sha256 is ${got}, the archive state says ${expected.sha256}: the file was altered or damaged`);
  let raw: unknown;
  try {
    raw = packr.unpack(gunzipSync(bytes));
  } catch (err) {
    throw corrupt(what, `cannot be read (${(err as Error).message})`);
  }
  if (!Array.isArray(raw) || raw.length !== 2 || raw[0] !== 1) throw corrupt(what, "is not a version 1 checkpoint file");
  return raw[1];
}
