/**
 * Signature crypto, done once per tx per node (in the signature workers). For every signature
 * it finds which candidate signer key produced it, so that apply only sums weights. Candidates
 * are matched by the 4-byte hint first: a verify costs ~50 µs with libsodium, a hint compare ~0.
 */
import sodium from "sodium-native";
import {accountKey} from "../ledger/types.js";
import type {LedgerStateReader} from "../ledger/types.js";
import type {TxFrame} from "./interface.js";
import type {DecoratedSignature, VerifiedSignature} from "./types.js";
import {decodeSignerKey, hintOf, rawFromAccountId, sha256} from "./keys.js";

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** ed25519 verification with libsodium; false (never a throw) on wrong sizes. */
export function verifyEd25519(pub32: Uint8Array, msg: Uint8Array, sig64: Uint8Array): boolean {
  if (pub32.length !== 32 || sig64.length !== 64) return false;
  return sodium.crypto_sign_verify_detached(asBuffer(sig64), asBuffer(msg), asBuffer(pub32));
}

/** A hash(x) signature is the preimage x itself: valid when sha256(x) equals the signer's hash. */
export function verifyHashX(hash32: Uint8Array, preimage: Uint8Array): boolean {
  return hash32.length === 32 && sha256(preimage).equals(asBuffer(hash32));
}

export interface CandidateKey {
  key: string;
  kind: "ed25519" | "hash_x" | "signed_payload";
  /** ed25519: the public key; hash_x: the hash; signed_payload: the signer's public key. */
  raw: Buffer;
  /** signed_payload only: the payload the signature covers instead of the tx hash. */
  payload?: Buffer;
  /** The hint a signature by this signer carries. */
  hint: number;
}

/**
 * A signed-payload signer (CAP-40) from its StrKey's decoded bytes (SignerKeyEd25519SignedPayload
 * XDR: 32-byte key, then the payload as var opaque). Its hint is the key's hint XOR the payload's
 * last 4 bytes (zero-padded on the right when shorter), as stellar-core's getSignedPayloadHint.
 */
export function signedPayloadCandidate(key: string, raw: Buffer): CandidateKey | null {
  if (raw.length < 36) return null;
  const pub = raw.subarray(0, 32);
  const len = raw.readUInt32BE(32);
  if (len > 64 || 36 + len > raw.length) return null;
  const payload = raw.subarray(36, 36 + len);
  const tail = Buffer.alloc(4);
  if (payload.length >= 4) payload.copy(tail, 0, payload.length - 4);
  else payload.copy(tail, 0);
  return {key, kind: "signed_payload", raw: pub, payload, hint: (hintOf(pub) ^ hintOf(tail)) >>> 0};
}

/** The candidate for a signer StrKey that needs a signature (not a pre-auth tx), or null. */
export function candidateOf(key: string): CandidateKey | null {
  const d = decodeSignerKey(key);
  if (d === null) return null;
  if (d.kind === "ed25519" || d.kind === "hash_x") return {key, kind: d.kind, raw: d.raw, hint: hintOf(d.raw)};
  if (d.kind === "signed_payload") return signedPayloadCandidate(key, d.raw);
  return null;
}

/**
 * Signer keys that could have signed for these accounts: master keys, current ed25519 / hash(x) /
 * signed-payload signers, and the tx's extra signers (pre-auth signers need no signature).
 */
export function candidateKeys(accountIds: Iterable<string>, reader: LedgerStateReader, extraSigners: readonly string[] = []): Map<number, CandidateKey[]> {
  const byHint = new Map<number, CandidateKey[]>();
  const seen = new Set<string>();
  const add = (c: CandidateKey | null): void => {
    if (c === null || seen.has(c.key)) return;
    seen.add(c.key);
    const list = byHint.get(c.hint);
    if (list === undefined) byHint.set(c.hint, [c]);
    else list.push(c);
  };
  for (const id of accountIds) {
    const raw = rawFromAccountId(id);
    add({key: id, kind: "ed25519", raw, hint: hintOf(raw)});
    const entry = reader.getEntry(accountKey(id));
    if (entry === undefined || entry.type !== "account") continue;
    for (const s of entry.signers) add(candidateOf(s.key));
  }
  for (const key of extraSigners) add(candidateOf(key));
  return byHint;
}

/** Whether `sig` is a valid signature by `cand` over `msg` (hint already matched or not: checked here). */
export function signatureMatches(cand: CandidateKey, sig: DecoratedSignature, msg: Uint8Array): boolean {
  if (sig.hint.length !== 4 || hintOf(sig.hint) !== cand.hint) return false;
  switch (cand.kind) {
    case "ed25519":
      return verifyEd25519(cand.raw, msg, sig.signature);
    case "hash_x":
      return verifyHashX(cand.raw, sig.signature);
    case "signed_payload":
      return verifyEd25519(cand.raw, cand.payload ?? Buffer.alloc(0), sig.signature);
  }
}

export function matchSignatures(
  sigs: DecoratedSignature[],
  candidates: Map<number, CandidateKey[]>,
  msg: Uint8Array,
): VerifiedSignature[] {
  const out: VerifiedSignature[] = [];
  for (let i = 0; i < sigs.length; i++) {
    const sig = sigs[i]!;
    if (sig.hint.length !== 4) continue;
    const list = candidates.get(hintOf(sig.hint));
    if (list === undefined) continue;
    for (const cand of list) {
      if (signatureMatches(cand, sig, msg)) {
        out.push({index: i, key: cand.key});
        break;
      }
    }
  }
  return out;
}

/** Accounts whose authorization the (inner) tx needs: its source and every op source. */
export function authAccounts(frame: TxFrame): string[] {
  const ids = new Set<string>([frame.sourceAccount]);
  for (const op of frame.operations) if (op.source !== null) ids.add(op.source);
  return [...ids];
}

/**
 * Fills `frame.verified` (signatures over the inner tx hash) and, for fee-bumps,
 * `frame.verifiedFeeBump` (signatures over the fee-bump hash, fee source keys only).
 */
export function verifyFrameSignatures(frame: TxFrame, reader: LedgerStateReader): void {
  const inner = candidateKeys(authAccounts(frame), reader, frame.preconditions?.extraSigners ?? []);
  frame.verified = matchSignatures(frame.signatures, inner, frame.innerHash);
  frame.triedKeys = keysOf(inner);
  if (frame.isFeeBump) {
    const outer = candidateKeys([frame.feeSource], reader);
    frame.verifiedFeeBump = matchSignatures(frame.feeBumpSignatures, outer, frame.hash);
    frame.triedFeeBumpKeys = keysOf(outer);
  } else {
    frame.verifiedFeeBump = [];
  }
}

function keysOf(byHint: Map<number, CandidateKey[]>): string[] {
  const out: string[] = [];
  for (const list of byHint.values()) for (const c of list) out.push(c.key);
  return out;
}
