/** A ledger commit that fails stops the node: no more ledgers, 503 to submitters, a fatal signal. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-sdk";
import {rmSync} from "node:fs";
import {startNode} from "../helpers/node.js";

interface HorizonFailure {
  response?: {status?: number};
}

test("after a failed ledger commit the node refuses submissions with 503 and reports a fatal error", {timeout: 30_000}, async () => {
  // Signatures verified on the main thread: no worker pool to tear down after the failure.
  const n = await startNode({closeIntervalMs: 100, verifyThreads: 0});
  try {
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    const alice = Keypair.random();
    await n.server.friendbot(alice.publicKey()).call();

    const fatal = new Promise<Error>((resolve) => n.node.onFatal(resolve));
    n.node.store.commitLedger = () => Promise.reject(new Error("injected: disk write failed"));

    const pay = async () => {
      const src = await n.server.loadAccount(alice.publicKey());
      const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: root.network_passphrase})
        .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
        .setTimeout(60)
        .build();
      tx.sign(alice);
      try {
        await n.server.submitTransaction(tx);
      } catch (e) {
        return (e as HorizonFailure).response?.status;
      }
      return 200;
    };
    // The waiting submitter of the ledger whose commit fails is answered 503.
    assert.equal(await pay(), 503);
    const err = await fatal;
    assert.match(err.message, /injected/);
    assert.ok(n.node.herder.failed);
    const lastGood = n.node.herder.lastClosed().seq;
    // Later submissions are refused, and no ledger closes any more.
    assert.equal(await pay(), 503);
    const asyncRes = await fetch(n.url + "/transactions_async", {method: "POST", body: new URLSearchParams({tx: "AAAA"})});
    assert.equal(asyncRes.status, 503);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(n.node.herder.lastClosed().seq, lastGood);
    assert.equal((await n.node.metrics.ledgerCommitFailed.get()).values[0]!.value, 1);
  } finally {
    if (n.node.herder.failed) {
      // A failed node is meant to exit, not to shut down cleanly: stop serving and closing, and
      // leave the store as an exiting process leaves it.
      await n.node.api.stop();
      n.node.consensus.stop();
      await n.node.herder.stop();
      rmSync(n.dataDir, {recursive: true, force: true});
    } else {
      await n.stop();
    }
  }
});

test("a ledger commit that throws instead of rejecting stops the node the same way", {timeout: 30_000}, async () => {
  const n = await startNode({closeIntervalMs: 100, verifyThreads: 0});
  try {
    const alice = Keypair.random();
    await n.server.friendbot(alice.publicKey()).call();
    const fatal = new Promise<Error>((resolve) => n.node.onFatal(resolve));
    n.node.store.commitLedger = () => {
      throw new Error("injected: record could not be encoded");
    };
    // The friendbot's next funding is the next ledger: its commit throws.
    const funding = n.server.friendbot(Keypair.random().publicKey()).call().then(
      () => 200,
      (e: HorizonFailure) => e.response?.status,
    );
    const err = await fatal;
    assert.match(err.message, /could not be encoded/);
    assert.equal(await funding, 503);
    const asyncRes = await fetch(n.url + "/transactions_async", {method: "POST", body: new URLSearchParams({tx: "AAAA"})});
    assert.equal(asyncRes.status, 503);
  } finally {
    await n.node.api.stop();
    n.node.consensus.stop();
    await n.node.herder.stop();
    rmSync(n.dataDir, {recursive: true, force: true});
  }
});
