/**
 * SIGKILL during a stream of submissions: after a restart on the same data folder every
 * acknowledged transaction is in the ledger, the header chain verifies, and ledgers keep closing.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Account, Asset, Keypair, Networks, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {spawnNode, tempDir, sleep, waitFor, type ChildNode} from "../helpers/node.js";
import {LedgerStore} from "../../src/store/ledger-store.js";
import {headerHash} from "../../src/ledger/header.js";
import {rootKeypair} from "../../src/ledger/genesis.js";

const ACCOUNTS = 8;

async function json<T>(url: string, init?: RequestInit): Promise<{status: number; body: T}> {
  const r = await fetch(url, init);
  return {status: r.status, body: (await r.json()) as T};
}

function post(url: string, path: string, envelope: string) {
  return json<{hash?: string; tx_status?: string}>(url + path, {
    method: "POST",
    headers: {"content-type": "application/x-www-form-urlencoded"},
    body: "tx=" + encodeURIComponent(envelope),
  });
}

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
    const {body: root} = await json<{network_passphrase: string}>(child.url + "/");
    const passphrase = root.network_passphrase;
    assert.notEqual(passphrase, Networks.PUBLIC);
    const rootKp = rootKeypair(passphrase);

    // Fund the senders in one transaction from root.
    const senders = Array.from({length: ACCOUNTS}, () => Keypair.random());
    const {body: rootAcc} = await json<{sequence: string}>(child.url + "/accounts/" + rootKp.publicKey());
    const fund = new TransactionBuilder(new Account(rootKp.publicKey(), rootAcc.sequence), {fee: "100", networkPassphrase: passphrase});
    for (const s of senders) fund.addOperation(Operation.createAccount({destination: s.publicKey(), startingBalance: "1000"}));
    const fundTx = fund.setTimeout(0).build();
    fundTx.sign(rootKp);
    const funded = await post(child.url, "/transactions", fundTx.toXDR());
    assert.equal(funded.status, 200, JSON.stringify(funded.body));

    // Each sender streams payments, alternating sync and async submission; every success is recorded.
    const acknowledged = new Set<string>();
    const seqs = await Promise.all(
      senders.map(async (s) => BigInt((await json<{sequence: string}>(child!.url + "/accounts/" + s.publicKey())).body.sequence)),
    );
    let killed = false;
    const dest = Keypair.random().publicKey();
    const streams = senders.map(async (s, i) => {
      let seq = seqs[i];
      for (let k = 0; k < 400 && !killed; k++) {
        const tx = new TransactionBuilder(new Account(s.publicKey(), seq.toString()), {fee: "100", networkPassphrase: passphrase})
          .addOperation(
            k === 0
              ? Operation.createAccount({destination: i === 0 ? dest : Keypair.random().publicKey(), startingBalance: "1"})
              : Operation.payment({destination: senders[(i + 1) % ACCOUNTS].publicKey(), asset: Asset.native(), amount: "0.001"}),
          )
          .setTimeout(0)
          .build();
        tx.sign(s);
        try {
          const path = k % 2 === 0 ? "/transactions_async" : "/transactions";
          const r = await post(child!.url, path, tx.toXDR());
          if ((path === "/transactions_async" && r.status === 201) || (path === "/transactions" && r.status === 200)) {
            acknowledged.add(tx.hash().toString("hex"));
            seq += 1n;
          } else if (r.status >= 500) {
            await sleep(20);
          } else {
            break;
          }
        } catch {
          return; // connection reset by the kill
        }
      }
    });
    await sleep(1500);
    killed = true;
    child.proc.kill("SIGKILL");
    await child.exited;
    await Promise.all(streams);
    assert.ok(acknowledged.size > 20, `enough traffic before the kill (${acknowledged.size} acknowledged)`);

    child = await spawnNode(dataDir);
    const url = child.url;
    // Replayed pending envelopes apply within a few ledgers.
    await waitFor(async () => {
      for (const h of acknowledged) {
        const r = await fetch(url + "/transactions/" + h);
        if (r.status !== 200) return undefined;
      }
      return true;
    }, 15_000, "all acknowledged transactions to be in the ledger");

    const {body: latest} = await json<{_embedded: {records: Array<{sequence: number}>}}>(url + "/ledgers?order=desc&limit=1");
    const seqBefore = latest._embedded.records[0].sequence;
    await waitFor(async () => {
      const {body} = await json<{_embedded: {records: Array<{sequence: number}>}}>(url + "/ledgers?order=desc&limit=1");
      return body._embedded.records[0].sequence > seqBefore + 2 ? true : undefined;
    }, 10_000, "ledgers to keep closing after restart");

    // The header chain verifies from genesis: every hash recomputes and links to its predecessor.
    const store = new LedgerStore({dir: dataDir, readOnly: true});
    try {
      const top = store.latestHeader().seq;
      let prev = store.header(1);
      assert.ok(prev);
      assert.equal(headerHash(prev), prev.hash);
      for (let s = 2; s <= top; s++) {
        const h = store.header(s);
        assert.ok(h, `header ${s} exists`);
        assert.equal(h.prevHash, prev.hash, `header ${s} links to ${s - 1}`);
        assert.equal(headerHash(h), h.hash, `header ${s} hash recomputes`);
        prev = h;
      }
    } finally {
      await store.close();
    }
  });
});
