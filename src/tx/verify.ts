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
  kind: "ed25519" | "hash_x";
  raw: Buffer;
}

/** Signer keys that could have signed for these accounts: master keys plus current ed25519 / hash(x) signers. */
export function candidateKeys(accountIds: Iterable<string>, reader: LedgerStateReader): Map<number, CandidateKey[]> {
  const byHint = new Map<number, CandidateKey[]>();
  const seen = new Set<string>();
  const add = (key: string, kind: CandidateKey["kind"], raw: Buffer): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const h = hintOf(raw);
    const list = byHint.get(h);
    if (list === undefined) byHint.set(h, [{key, kind, raw}]);
    else list.push({key, kind, raw});
  };
  for (const id of accountIds) {
    add(id, "ed25519", rawFromAccountId(id));
    const entry = reader.getEntry(accountKey(id));
    if (entry === undefined || entry.type !== "account") continue;
    for (const s of entry.signers) {
      const d = decodeSignerKey(s.key);
      if (d === null) continue;
      if (d.kind === "ed25519" || d.kind === "hash_x") add(s.key, d.kind, d.raw);
      // pre-auth signers need no signature; signed-payload signers (CAP-40) are not matched yet.
    }
  }
  return byHint;
}

/** Whether `sig` is a valid signature by `cand` over `msg` (hint already matched or not: checked here). */
export function signatureMatches(cand: CandidateKey, sig: DecoratedSignature, msg: Uint8Array): boolean {
  if (sig.hint.length !== 4 || hintOf(sig.hint) !== hintOf(cand.raw)) return false;
  return cand.kind === "ed25519" ? verifyEd25519(cand.raw, msg, sig.signature) : verifyHashX(cand.raw, sig.signature);
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
  const inner = candidateKeys(authAccounts(frame), reader);
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
