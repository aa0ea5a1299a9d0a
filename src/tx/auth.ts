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
import {decodeSignerKey} from "./keys.js";
import {candidateOf, signatureMatches, type CandidateKey} from "./verify.js";

export type ThresholdLevel = "low" | "med" | "high";

const MAX_WEIGHT = 255;

export class SignatureChecker {
  private readonly used: boolean[];
  private readonly verifiedKey: (string | undefined)[];
  /** Built on first need: most checks find every signature already matched by the workers. */
  private onTheSpot: Map<string, boolean> | null = null;
  private tried: ReadonlySet<string> | null = null;

  /** `tried`: keys the workers already checked every signature against (see TxFrame.triedKeys). */
  constructor(
    private readonly signatures: DecoratedSignature[],
    verified: VerifiedSignature[],
    private readonly contentsHash: Buffer,
    private readonly triedKeys: Iterable<string> = [],
  ) {
    this.used = new Array<boolean>(signatures.length).fill(false);
    this.verifiedKey = new Array<string | undefined>(signatures.length);
    for (const v of verified) if (v.index >= 0 && v.index < signatures.length) this.verifiedKey[v.index] = v.key;
  }

  private signedBy(i: number, cand: CandidateKey): boolean {
    const known = this.verifiedKey[i];
    if (known !== undefined) return known === cand.key;
    this.tried ??= new Set(this.triedKeys);
    if (this.tried.has(cand.key)) return false;
    const memo = i + ":" + cand.key;
    this.onTheSpot ??= new Map();
    let ok = this.onTheSpot.get(memo);
    if (ok === undefined) {
      ok = signatureMatches(cand, this.signatures[i]!, this.contentsHash);
      this.onTheSpot.set(memo, ok);
    }
    return ok;
  }

  /** stellar-core's checkSignature over an explicit signer list. */
  checkSigners(signers: Signer[], neededWeight: number): boolean {
    let total = 0;
    // As stellar-core: pre-auth first, then hash(x), ed25519 and signed-payload signers.
    const hashX: {cand: CandidateKey; weight: number}[] = [];
    const ed: {cand: CandidateKey; weight: number}[] = [];
    const payload: {cand: CandidateKey; weight: number}[] = [];
    for (const s of signers) {
      const d = decodeSignerKey(s.key);
      if (d === null) continue;
      const weight = Math.min(s.weight, MAX_WEIGHT);
      if (d.kind === "pre_auth_tx") {
        if (d.raw.equals(this.contentsHash)) {
          total += weight;
          if (total >= neededWeight) return true;
        }
        continue;
      }
      const cand = candidateOf(s.key);
      if (cand === null) continue;
      (cand.kind === "hash_x" ? hashX : cand.kind === "ed25519" ? ed : payload).push({cand, weight});
    }
    const pass = (list: {cand: CandidateKey; weight: number}[]): boolean => {
      for (let i = 0; i < this.signatures.length; i++) {
        for (let j = 0; j < list.length; j++) {
          const s = list[j]!;
          if (this.signedBy(i, s.cand)) {
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
    return pass(hashX) || pass(ed) || pass(payload);
  }

  /** Signers of an existing account: the master key (if its weight is > 0) and its signer list. */
  checkAccount(account: AccountEntry, level: ThresholdLevel): boolean {
    if (account.signers.length === 0) return this.checkMasterOnly(account, neededThreshold(account, level));
    const signers: Signer[] = [];
    if (account.thresholds.master > 0) signers.push({key: account.accountId, weight: account.thresholds.master});
    for (const s of account.signers) signers.push(s);
    return this.checkSigners(signers, neededThreshold(account, level));
  }

  /**
   * checkSigners over the master key alone (most accounts), without building signer and
   * candidate lists while the workers' matches decide: the first signature made by the master
   * key counts its weight; a signature the workers left unmatched sends the check down the
   * general path, which may verify it here.
   */
  private checkMasterOnly(account: AccountEntry, neededWeight: number): boolean {
    const weight = Math.min(account.thresholds.master, MAX_WEIGHT);
    if (weight <= 0) return false;
    for (let i = 0; i < this.signatures.length; i++) {
      const known = this.verifiedKey[i];
      if (known === undefined) return this.checkSigners([{key: account.accountId, weight: account.thresholds.master}], neededWeight);
      if (known === account.accountId) {
        this.used[i] = true;
        return weight >= neededWeight;
      }
    }
    return false;
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
