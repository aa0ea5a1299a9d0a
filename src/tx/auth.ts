/**
 * Weight checks against current signers (main thread, at admission and at apply), as
 * stellar-core's SignatureChecker: pre-auth signers match the tx hash; then each signature, in
 * envelope order, counts once for the first signer it belongs to; weights are capped at 255;
 * the check passes as soon as the sum reaches the needed threshold. A threshold of 0 therefore
 * still needs one valid signature from a signer (master weight 0 means the master key is not a
 * signer at all). Signatures consumed by no check make the tx fail with tx_bad_auth_extra.
 *
 * Crypto is reused from `verified` (filled by the workers); a signature the workers did not
 * match whose hint fits a current signer (one added after they ran) is verified here, once.
 */
import type {AccountEntry, Signer} from "../ledger/types.js";
import type {DecoratedSignature, VerifiedSignature} from "./types.js";
import {decodeSignerKey, hintOf} from "./keys.js";
import {verifyEd25519, verifyHashX} from "./verify.js";

export type ThresholdLevel = "low" | "med" | "high";

const MAX_WEIGHT = 255;

export class SignatureChecker {
  private readonly used: boolean[];
  private readonly verifiedKey: (string | undefined)[];
  private readonly onTheSpot = new Map<string, boolean>();
  private readonly tried: ReadonlySet<string>;

  /** `tried`: keys the workers already checked every signature against (see TxFrame.triedKeys). */
  constructor(
    private readonly signatures: DecoratedSignature[],
    verified: VerifiedSignature[],
    private readonly contentsHash: Buffer,
    tried: Iterable<string> = [],
  ) {
    this.tried = new Set(tried);
    this.used = new Array<boolean>(signatures.length).fill(false);
    this.verifiedKey = new Array<string | undefined>(signatures.length);
    for (const v of verified) if (v.index >= 0 && v.index < signatures.length) this.verifiedKey[v.index] = v.key;
  }

  private signedBy(i: number, key: string, kind: "ed25519" | "hash_x", raw: Buffer): boolean {
    const known = this.verifiedKey[i];
    if (known !== undefined) return known === key;
    if (this.tried.has(key)) return false;
    const sig = this.signatures[i]!;
    if (sig.hint.length !== 4 || hintOf(sig.hint) !== hintOf(raw)) return false;
    const memo = i + ":" + key;
    let ok = this.onTheSpot.get(memo);
    if (ok === undefined) {
      ok = kind === "ed25519" ? verifyEd25519(raw, this.contentsHash, sig.signature) : verifyHashX(raw, sig.signature);
      this.onTheSpot.set(memo, ok);
    }
    return ok;
  }

  /** stellar-core's checkSignature over an explicit signer list. */
  checkSigners(signers: Signer[], neededWeight: number): boolean {
    let total = 0;
    const hashX: {key: string; raw: Buffer; weight: number}[] = [];
    const ed: {key: string; raw: Buffer; weight: number}[] = [];
    for (const s of signers) {
      const d = decodeSignerKey(s.key);
      if (d === null) continue;
      const weight = Math.min(s.weight, MAX_WEIGHT);
      if (d.kind === "pre_auth_tx") {
        if (d.raw.equals(this.contentsHash)) {
          total += weight;
          if (total >= neededWeight) return true;
        }
      } else if (d.kind === "hash_x") hashX.push({key: s.key, raw: d.raw, weight});
      else if (d.kind === "ed25519") ed.push({key: s.key, raw: d.raw, weight});
    }
    const pass = (list: {key: string; raw: Buffer; weight: number}[], kind: "ed25519" | "hash_x"): boolean => {
      for (let i = 0; i < this.signatures.length; i++) {
        for (let j = 0; j < list.length; j++) {
          const s = list[j]!;
          if (this.signedBy(i, s.key, kind, s.raw)) {
            this.used[i] = true;
            total += s.weight;
            if (total >= neededWeight) return true;
            list.splice(j, 1);
            break;
          }
        }
      }
      return false;
    };
    return pass(hashX, "hash_x") || pass(ed, "ed25519");
  }

  /** Signers of an existing account: the master key (if its weight is > 0) and its signer list. */
  checkAccount(account: AccountEntry, level: ThresholdLevel): boolean {
    const signers: Signer[] = [];
    if (account.thresholds.master > 0) signers.push({key: account.accountId, weight: account.thresholds.master});
    for (const s of account.signers) signers.push(s);
    return this.checkSigners(signers, neededThreshold(account, level));
  }

  /** An op source that does not exist yet (checked at admission): its master key must have signed. */
  checkNoAccount(accountId: string): boolean {
    return this.checkSigners([{key: accountId, weight: 1}], 0);
  }

  allUsed(): boolean {
    return this.used.every((u) => u);
  }
}

export function neededThreshold(account: AccountEntry, level: ThresholdLevel): number {
  return level === "low" ? account.thresholds.low : level === "med" ? account.thresholds.med : account.thresholds.high;
}
