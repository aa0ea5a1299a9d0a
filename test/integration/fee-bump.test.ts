/**
 * Fee-bump transactions through a running node: lookup by inner hash, resubmission of an applied
 * inner tx, replace-by-fee and the fees a fee-bump must bid.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, Horizon} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

describe("fee-bump transactions", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const sponsor = Keypair.random();
  const bob = Keypair.random();

  before(async () => {
    n = await startNode();
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    passphrase = root.network_passphrase;
    for (const k of [alice, sponsor, bob]) await n.server.friendbot(k.publicKey()).call();
  });
  after(async () => {
    await n.stop();
  });

  async function innerPayment(fee = "100") {
    const src = await n.server.loadAccount(alice.publicKey());
    const tx = new TransactionBuilder(src, {fee, networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "1"}))
      .setTimeout(60)
      .build();
    tx.sign(alice);
    return tx;
  }

  it("finds a fee-bump by its inner hash, and answers a resubmitted inner tx with the stored result", async () => {
    const inner = await innerPayment();
    const fb = TransactionBuilder.buildFeeBumpTransaction(sponsor, "200", inner, passphrase);
    fb.sign(sponsor);
    const res = await n.server.submitTransaction(fb);
    assert.equal(res.successful, true);
    const innerHash = inner.hash().toString("hex");
    assert.notEqual(res.hash, innerHash);

    const byInner = (await n.server.transactions().transaction(innerHash).call()) as Horizon.ServerApi.TransactionRecord;
    assert.equal(byInner.hash, res.hash, "the inner hash names the fee-bump transaction");
    assert.equal(byInner.fee_account, sponsor.publicKey());

    const again = await n.server.submitTransaction(inner);
    assert.equal(again.successful, true);
    assert.equal(again.hash, res.hash, "resubmitting the applied inner tx returns the fee-bump's result");
    assert.equal(again.ledger, res.ledger);
  });
});
