import {test} from "node:test";
import assert from "node:assert/strict";
import {LedgerTxn} from "../../../src/ledger/state.js";
import {accountKey, type AccountEntry, type LedgerEntry} from "../../../src/ledger/types.js";
import {genesisLedger, rootKeypair} from "../../../src/ledger/genesis.js";
import {networkConfig, DEFAULT_PASSPHRASE, DEFAULT_TOTAL_COINS} from "../../../src/ledger/options.js";
import {headerHash} from "../../../src/ledger/header.js";

function account(id: string, balance: bigint): AccountEntry {
  return {
    type: "account", accountId: id, balance, seqNum: 0n, numSubEntries: 0, inflationDest: null, flags: 0, homeDomain: "",
    thresholds: {master: 1, low: 0, med: 0, high: 0}, signers: [], buyingLiabilities: 0n, sellingLiabilities: 0n,
    seqLedger: 0, seqTime: 0n, lastModifiedLedger: 1,
  };
}

test("nested layers: an op rolled back leaves nothing, a committed one reaches the root; the base is never mutated", () => {
  const base = new Map<string, LedgerEntry>([[accountKey("A"), account("A", 100n)]]);
  const root = new LedgerTxn({getEntry: (k) => base.get(k)});
  const tx = root.child();
  const op1 = tx.child();
  op1.loadAccount("A")!.balance = 50n;
  op1.loadAccount("A")!.signers.push({key: "X", weight: 1});
  op1.rollback();
  assert.equal(tx.getAccount("A")!.balance, 100n);
  assert.equal(tx.getAccount("A")!.signers.length, 0);
  const op2 = tx.child();
  op2.loadAccount("A")!.balance = 70n;
  op2.put(account("B", 30n));
  op2.commit();
  assert.throws(() => tx.child() && tx.child(), /open child/);
});

test("commit folds into the parent, erase hides the entry, changes() lists only writes", () => {
  const base = new Map<string, LedgerEntry>([[accountKey("A"), account("A", 100n)], [accountKey("C"), account("C", 1n)]]);
  const root = new LedgerTxn({getEntry: (k) => base.get(k)});
  const tx = root.child();
  const op = tx.child();
  op.loadAccount("A")!.balance = 70n;
  op.erase(accountKey("C"));
  op.commit();
  tx.commit();
  assert.equal(root.getAccount("A")!.balance, 70n);
  assert.equal(root.getEntry(accountKey("C")), undefined);
  assert.equal((base.get(accountKey("A")) as AccountEntry).balance, 100n);
  const ch = root.changes();
  assert.deepEqual([...ch.keys()].sort(), [accountKey("A"), accountKey("C")]);
  assert.equal(ch.get(accountKey("C")), null);
});

test("genesis: root key from sha256(passphrase), all coins, default thresholds, stable header hash", () => {
  const cfg = networkConfig(DEFAULT_PASSPHRASE);
  const g = genesisLedger(cfg, DEFAULT_TOTAL_COINS);
  const root = g.entries[0]!;
  assert.ok(root.type === "account");
  assert.equal(root.accountId, rootKeypair(DEFAULT_PASSPHRASE).publicKey());
  assert.equal(root.balance, 10n ** 18n);
  assert.equal(root.seqNum, 0n);
  assert.deepEqual(root.thresholds, {master: 1, low: 0, med: 0, high: 0});
  assert.equal(g.header.seq, 1);
  assert.equal(g.header.hash, headerHash(g.header));
  assert.equal(genesisLedger(cfg, DEFAULT_TOTAL_COINS).header.hash, g.header.hash);
  assert.notEqual(genesisLedger(networkConfig("Other"), DEFAULT_TOTAL_COINS).header.hash, g.header.hash);
  // changing any header field changes the hash
  assert.notEqual(headerHash({...g.header, feePool: 1n}), g.header.hash);
});
