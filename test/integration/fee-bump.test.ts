/**
 * Fee-bump transactions through a running node: lookup by inner hash, resubmission of an applied
 * inner tx, replace-by-fee and the fees a fee-bump must bid.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, Horizon, xdr} from "@stellar/stellar-sdk";
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

describe("replace-by-fee", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const sponsor = Keypair.random();

  before(async () => {
    // Long enough between ledgers that three submissions land in the queue together.
    n = await startNode({closeIntervalMs: 3000});
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    passphrase = root.network_passphrase;
    await Promise.all([alice, sponsor].map((k) => n.server.friendbot(k.publicKey()).call()));
  });
  after(async () => {
    await n.stop();
  });

  async function submitAsync(envelope: string) {
    const r = await fetch(n.url + "/transactions_async", {method: "POST", body: new URLSearchParams({tx: envelope})});
    return {status: r.status, body: (await r.json()) as {tx_status: string; hash: string; errorResultXdr?: string}};
  }

  it("a fee-bump bidding 10x the queued tx's fee rate replaces it; 9.99x is tx_insufficient_fee with the required fee", async () => {
    const closed = new Promise<void>((resolve) => n.node.herder.onLedgerClosed(() => resolve()));
    await closed;
    const src = await n.server.loadAccount(alice.publicKey());
    const inner = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.bumpSequence({bumpTo: "0"}))
      .setTimeout(60)
      .build();
    inner.sign(alice);
    const queued = await submitAsync(inner.toEnvelope().toXDR("base64"));
    assert.equal(queued.body.tx_status, "PENDING");

    // 2 ops (inner + 1) at 999 per op = 1998 < 10 × 100 × 2 / 1.
    const low = TransactionBuilder.buildFeeBumpTransaction(sponsor, "999", inner, passphrase);
    low.sign(sponsor);
    const refused = await submitAsync(low.toEnvelope().toXDR("base64"));
    assert.equal(refused.status, 400);
    const res = xdr.TransactionResult.fromXDR(refused.body.errorResultXdr!, "base64");
    assert.equal(res.result().switch().name, "txInsufficientFee");
    assert.equal(res.feeCharged().toString(), "2000", "the fee needed to replace the queued tx");

    const high = TransactionBuilder.buildFeeBumpTransaction(sponsor, "1000", inner, passphrase);
    high.sign(sponsor);
    const replaced = await submitAsync(high.toEnvelope().toXDR("base64"));
    assert.equal(replaced.status, 201);
    assert.equal(replaced.body.tx_status, "PENDING");

    // Once in a ledger, the inner hash names the fee-bump: it was applied, the plain tx was not.
    const innerHash = inner.hash().toString("hex");
    let rec: Horizon.ServerApi.TransactionRecord | undefined;
    for (let i = 0; i < 100 && rec === undefined; i++) {
      const r = await fetch(n.url + "/transactions/" + innerHash);
      if (r.status === 200) rec = (await r.json()) as Horizon.ServerApi.TransactionRecord;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(rec, "the fee-bump was applied");
    assert.equal(rec.hash, high.hash().toString("hex"));
    assert.equal(rec.fee_account, sponsor.publicKey());
    const after = await n.server.loadAccount(alice.publicKey());
    assert.equal(after.sequence, inner.sequence);
  });
});
