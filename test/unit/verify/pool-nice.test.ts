/**
 * The verify pool's workers run at the pool's nice value (VerifyPoolOptions.nice), set by each
 * worker on its own thread: the node's main thread keeps its priority.
 */
import {it} from "node:test";
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import os from "node:os";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {configOf, initNetwork} from "../../../src/node/node.js";
import {VerifyPool} from "../../../src/verify/pool.js";
import {rootKeypair} from "../../../src/ledger/genesis.js";
import {tempDir} from "../../helpers/node.js";

function verifyWorkerThreads(): number[] {
  return readdirSync("/proc/self/task")
    .map(Number)
    .filter((tid) => {
      try {
        return readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() === "verify-worker";
      } catch {
        return false;
      }
    });
}

it("verify workers run at the pool's nice value, the main thread as before", {skip: !existsSync("/proc/thread-self") && "thread ids are Linux only"}, async () => {
  const dataDir = tempDir("diamante-verify-nice-");
  const config = configOf(initNetwork(dataDir, {passphrase: "Verify Nice Test ; 2026"}));
  const root = rootKeypair(config.passphrase);
  const main = os.getPriority(process.pid);
  const nice = Math.min(19, main + 6);
  const pool = new VerifyPool({networkId: new Uint8Array(config.networkId), dataDir}, {threads: 1, maxBatch: 4, nice});
  try {
    const tx = new TransactionBuilder(new Account(root.publicKey(), "0"), {fee: "100", networkPassphrase: config.passphrase})
      .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}))
      .setTimeout(0)
      .build();
    tx.sign(root);
    // A verdict means a worker loaded its module, where it names and renices itself.
    const verdict = await pool.verify(tx.toEnvelope().toXDR());
    assert.ok(verdict.ok, verdict.ok ? "" : verdict.error.message);
    const tids = verifyWorkerThreads();
    assert.equal(tids.length, 1, "the verify worker is named");
    for (const tid of tids) assert.equal(os.getPriority(tid), nice, `thread ${tid}`);
    assert.equal(os.getPriority(process.pid), main);
  } finally {
    await pool.close();
  }
});
