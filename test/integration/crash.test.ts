/**
 * SIGKILL during a stream of submissions: after a restart on the same data folder every
 * acknowledged transaction is in the ledger, the header chain verifies, and ledgers keep closing.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Networks} from "@stellar/stellar-base";
import {spawnNode, tempDir, sleep, waitFor, type ChildNode} from "../helpers/node.js";
import {checkHeaderChain, fundSenders, latestLedger, missingTransactions, passphraseOf, PaymentLoad} from "../helpers/crash.js";

const ACCOUNTS = 8;

describe("crash safety", () => {
  const dataDir = tempDir("diamante-crash-");
  let child: ChildNode | undefined;
  after(async () => {
    child?.proc.kill("SIGKILL");
    if (child) await child.exited;
    rmSync(dataDir, {recursive: true, force: true});
  });

  it("loses no acknowledged transaction across SIGKILL and restart", async () => {
    child = await spawnNode(dataDir);
    const passphrase = await passphraseOf(child.url);
    assert.notEqual(passphrase, Networks.PUBLIC);
    const senders = await fundSenders(child.url, ACCOUNTS);

    // Each sender streams payments, alternating sync and async submission; every success is recorded.
    const load = new PaymentLoad(child.url, passphrase, senders, 400);
    await load.start();
    await sleep(1500);
    child.proc.kill("SIGKILL");
    await child.exited;
    await load.stop();
    assert.ok(load.acknowledged.size > 20, `enough traffic before the kill (${load.acknowledged.size} acknowledged)`);
    assert.equal(load.counts.refused, 0, `no submission refused: ${load.refusals.join("; ")}`);

    child = await spawnNode(dataDir);
    const url = child.url;
    // Replayed pending envelopes apply within a few ledgers.
    await waitFor(async () => ((await missingTransactions(url, load.acknowledged)).length === 0 ? true : undefined), 15_000,
      "all acknowledged transactions to be in the ledger");

    const seqBefore = await latestLedger(url);
    await waitFor(async () => ((await latestLedger(url)) > seqBefore + 2 ? true : undefined), 10_000, "ledgers to keep closing after restart");

    // The header chain verifies from genesis: every hash recomputes and links to its predecessor.
    const chain = await checkHeaderChain(dataDir);
    assert.equal(chain.problem, undefined);
    assert.ok(chain.top > seqBefore, `chain checked up to ${chain.top}`);
  });
});
