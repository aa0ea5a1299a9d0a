/** A verification batch that fails anywhere settles every envelope in it. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Registry} from "prom-client";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {initNetwork, configOf} from "../../../src/node/node.js";
import {VerifyPool} from "../../../src/verify/pool.js";
import {createMetrics} from "../../../src/metrics/metrics.js";
import {rootKeypair} from "../../../src/ledger/genesis.js";
import {tempDir} from "../../helpers/node.js";

test("a throw on the pool's success path rejects every envelope of the batch", {timeout: 20_000}, async () => {
  const dataDir = tempDir("diamante-verify-fail-");
  const meta = initNetwork(dataDir, {passphrase: "Verify Failure Network ; 2026"});
  const config = configOf(meta);
  const root = rootKeypair(config.passphrase);
  const metrics = createMetrics(new Registry());
  // The first thing the success path does is record the worker's run time: make that throw.
  metrics.verifyRunSeconds.observe = () => {
    throw new Error("metric backend broke");
  };
  const pool = new VerifyPool({networkId: new Uint8Array(config.networkId), dataDir}, {threads: 1, maxBatch: 4, maxBatchDelayMs: 50}, metrics);
  try {
    const envelopes = [0, 1, 2].map((i) => {
      const tx = new TransactionBuilder(new Account(root.publicKey(), String(i)), {fee: "100", networkPassphrase: config.passphrase})
        .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
        .setTimeout(0)
        .build();
      tx.sign(root);
      return tx.toEnvelope().toXDR();
    });
    const settled = await Promise.allSettled(envelopes.map((e) => pool.verify(e)));
    assert.deepEqual(
      settled.map((s) => s.status),
      ["rejected", "rejected", "rejected"],
    );
    for (const s of settled) if (s.status === "rejected") assert.match(String(s.reason), /metric backend broke/);
    assert.equal((await metrics.verifyFailed.get()).values[0]!.value, 3);
  } finally {
    await pool.close();
    rmSync(dataDir, {recursive: true, force: true});
  }
});
