/**
 * The bench's fast payment signer patches a template instead of building each tx: its envelopes
 * must be byte for byte what stellar-base builds and signs, or the disk figures would measure
 * something other than real payments.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Networks, Operation, TimeoutInfinite, TransactionBuilder} from "@stellar/stellar-base";
import {benchAccount} from "../../../native-bench/e2e.js";
import {PaymentSigner} from "../../../native-bench/payment-signer.js";

describe("bench payment signer", () => {
  it("produces stellar-base's envelope, hash and signature for any sequence number", () => {
    const accounts = [0, 1, 2].map((i) => benchAccount(i));
    const signer = new PaymentSigner(Networks.STANDALONE, accounts, 100);
    for (const [i, seq] of [[0, 1n], [1, (7n << 32n) + 5n], [2, 9_223_372_036_854_775_807n]] as const) {
      const tx = new TransactionBuilder(new Account(accounts[i].keypair.publicKey(), (seq - 1n).toString()), {
        fee: "100",
        networkPassphrase: Networks.STANDALONE,
      })
        .addOperation(Operation.payment({destination: accounts[(i + 1) % 3].keypair.publicKey(), asset: Asset.native(), amount: "0.0000001"}))
        .setTimeout(TimeoutInfinite)
        .build();
      tx.sign(accounts[i].keypair);
      const mine = signer.sign(i, seq);
      assert.equal(mine.hashHex, tx.hash().toString("hex"));
      assert.equal(mine.body, `tx=${encodeURIComponent(tx.toXDR())}`);
    }
  });
});
