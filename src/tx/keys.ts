/**
 * StrKey conversions on the hot path. Encoding a G… address (base32 + crc16) costs a few µs;
 * a payment needs two or three, so results are memoized in a bounded map: the same accounts
 * recur across txs (a cache hit is ~0.1 µs).
 */
import {StrKey} from "@stellar/stellar-base";
import {createHash} from "node:crypto";
import {flatLatin1} from "../util/strings.js";

/** 100k entries of ~120 bytes: ~12 MB worst case, cleared wholesale when full. */
const MAX_CACHED_KEYS = 100_000;
const accountIds = new Map<string, string>();

export function accountIdFromRaw(raw: Uint8Array): string {
  const k = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  let id = accountIds.get(k);
  if (id === undefined) {
    // Flat: the encoder's text is a chain of its characters (util/strings.ts).
    id = flatLatin1(StrKey.encodeEd25519PublicKey(Buffer.from(raw)));
    if (accountIds.size >= MAX_CACHED_KEYS) accountIds.clear();
    accountIds.set(k, id);
  }
  return id;
}

const rawKeys = new Map<string, Buffer>();

/** 32 raw bytes of a G… account id (memoized as above). */
export function rawFromAccountId(id: string): Buffer {
  let raw = rawKeys.get(id);
  if (raw === undefined) {
    raw = StrKey.decodeEd25519PublicKey(id);
    if (rawKeys.size >= MAX_CACHED_KEYS) rawKeys.clear();
    rawKeys.set(id, raw);
  }
  return raw;
}

export type SignerKind = "ed25519" | "pre_auth_tx" | "hash_x" | "signed_payload";

/** Kind and raw bytes of a signer StrKey, or null if the string is not a signer key. */
export function decodeSignerKey(key: string): {kind: SignerKind; raw: Buffer} | null {
  switch (key[0]) {
    case "G": {
      const cached = rawKeys.get(key);
      if (cached !== undefined) return {kind: "ed25519", raw: cached};
      return StrKey.isValidEd25519PublicKey(key) ? {kind: "ed25519", raw: rawFromAccountId(key)} : null;
    }
    case "T":
      return decodeOrNull(() => ({kind: "pre_auth_tx", raw: StrKey.decodePreAuthTx(key)}));
    case "X":
      return decodeOrNull(() => ({kind: "hash_x", raw: StrKey.decodeSha256Hash(key)}));
    case "P":
      return StrKey.isValidSignedPayload(key) ? {kind: "signed_payload", raw: StrKey.decodeSignedPayload(key)} : null;
    default:
      return null;
  }
}

function decodeOrNull(f: () => {kind: SignerKind; raw: Buffer}): {kind: SignerKind; raw: Buffer} | null {
  try {
    return f();
  } catch {
    return null;
  }
}

const SIGNER_KIND_ORDER: Record<SignerKind, number> = {ed25519: 0, pre_auth_tx: 1, hash_x: 2, signed_payload: 3};

/**
 * Stellar orders an account's signers by SignerKey XDR: key type first, then the raw bytes.
 * StrKey string order differs (base32 puts digits before letters), so compare decoded keys.
 */
export function compareSignerKeys(a: string, b: string): number {
  if (a === b) return 0;
  const da = decodeSignerKey(a);
  const db = decodeSignerKey(b);
  if (da === null || db === null) return a < b ? -1 : 1;
  const t = SIGNER_KIND_ORDER[da.kind] - SIGNER_KIND_ORDER[db.kind];
  if (t !== 0) return t;
  return Buffer.compare(da.raw, db.raw);
}

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The 4-byte hint of a key: its last 4 bytes, as a number for map lookups. */
export function hintOf(raw: Uint8Array): number {
  const n = raw.length;
  return ((raw[n - 4]! << 24) | (raw[n - 3]! << 16) | (raw[n - 2]! << 8) | raw[n - 1]!) >>> 0;
}
