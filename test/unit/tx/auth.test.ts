/**
 * The signature checker reuses the workers' crypto: a signature the workers matched is trusted, a
 * key they already tried is never verified again, and only a signer they could not know of (added
 * after they read the ledger) is verified on the spot.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {Keypair} from "@stellar/stellar-base";
import {SignatureChecker} from "../../../src/tx/auth.js";
import type {DecoratedSignature} from "../../../src/tx/types.js";
import type {AccountEntry} from "../../../src/ledger/types.js";

/** An account of `kp` with only its master key, at the given weights. */
function masterOnly(kp: Keypair, master: number, low: number): AccountEntry {
  return {
    type: "account", accountId: kp.publicKey(), balance: 10n ** 9n, seqNum: 1n, numSubEntries: 0, inflationDest: null, flags: 0, homeDomain: "",
    thresholds: {master, low, med: low, high: low}, signers: [], buyingLiabilities: 0n, sellingLiabilities: 0n, seqLedger: 0, seqTime: 0n, lastModifiedLedger: 1,
  } as AccountEntry;
}

const msg = createHash("sha256").update("a transaction").digest();
const signer = Keypair.random();
const sig: DecoratedSignature = {hint: signer.rawPublicKey().subarray(28), signature: signer.sign(msg)};
const signers = [{key: signer.publicKey(), weight: 1}];

describe("SignatureChecker", () => {
  it("trusts a signature the workers matched to the key", () => {
    const c = new SignatureChecker([sig], [{index: 0, key: signer.publicKey()}], msg, [signer.publicKey()]);
    assert.equal(c.checkSigners(signers, 1), true);
    assert.equal(c.allUsed(), true);
  });

  it("does not verify again a key the workers tried and found no signature for", () => {
    // The signature is genuinely valid: only the workers' verdict can make this false.
    const c = new SignatureChecker([sig], [], msg, [signer.publicKey()]);
    assert.equal(c.checkSigners(signers, 1), false);
    assert.equal(c.allUsed(), false);
  });

  it("verifies on the spot a signer the workers did not know of", () => {
    const c = new SignatureChecker([sig], [], msg, [Keypair.random().publicKey()]);
    assert.equal(c.checkSigners(signers, 1), true);
    const forged: DecoratedSignature = {hint: sig.hint, signature: Buffer.alloc(64, 1)};
    const d = new SignatureChecker([forged], [], msg, []);
    assert.equal(d.checkSigners(signers, 1), false);
  });
  it("checks an account with only its master key as the general signer list does", () => {
    const other = Keypair.random();
    const otherSig: DecoratedSignature = {hint: other.rawPublicKey().subarray(28), signature: other.sign(msg)};
    const matched = [{index: 0, key: other.publicKey()}, {index: 1, key: signer.publicKey()}];
    const cases: Array<{name: string; sigs: DecoratedSignature[]; verified: {index: number; key: string}[]; tried: string[]; master: number; low: number; pass: boolean; used: boolean}> = [
      {name: "matched, weight enough", sigs: [otherSig, sig], verified: matched, tried: [], master: 1, low: 1, pass: true, used: false},
      {name: "matched, weight below the threshold", sigs: [sig], verified: [{index: 0, key: signer.publicKey()}], tried: [], master: 1, low: 2, pass: false, used: true},
      {name: "master weight 0 is no signer, even at threshold 0", sigs: [sig], verified: [{index: 0, key: signer.publicKey()}], tried: [], master: 0, low: 0, pass: false, used: false},
      {name: "threshold 0 still needs the master's signature", sigs: [otherSig], verified: [{index: 0, key: other.publicKey()}], tried: [signer.publicKey()], master: 1, low: 0, pass: false, used: false},
      {name: "unmatched by the workers: verified here", sigs: [sig], verified: [], tried: [], master: 3, low: 2, pass: true, used: true},
      {name: "tried by the workers and unmatched", sigs: [sig], verified: [], tried: [signer.publicKey()], master: 3, low: 2, pass: false, used: false},
    ];
    for (const c of cases) {
      const account = masterOnly(signer, c.master, c.low);
      const fast = new SignatureChecker(c.sigs, c.verified, msg, c.tried);
      const general = new SignatureChecker(c.sigs, c.verified, msg, c.tried);
      const generalPass = c.master > 0 ? general.checkSigners([{key: signer.publicKey(), weight: c.master}], c.low) : general.checkSigners([], c.low);
      assert.equal(fast.checkAccount(account, "low"), c.pass, c.name);
      assert.equal(generalPass, c.pass, c.name + " (general)");
      assert.equal(fast.allUsed(), general.allUsed(), c.name + ": the same signatures used");
      assert.equal(fast.allUsed(), c.used, c.name + ": used");
    }
  });
});
