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
});
