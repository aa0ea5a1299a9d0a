import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {accountKey, type AccountEntry, type LedgerEntry} from "../../../src/ledger/types.js";
import {Asset, Keypair, Operation, TestLedger} from "../tx/harness.js";

function balanceOf(e: LedgerEntry | null): bigint {
  assert.ok(e !== null && e.type === "account");
  return (e as AccountEntry).balance;
}

describe("meta snapshots", () => {
  it("keep each state as it was when its layer ended, across txs and operations of one ledger", () => {
    const l = new TestLedger();
    const [a, b] = [Keypair.random(), Keypair.random()];
    l.fund([a, b]);
    const funded = l.header.seq;
    const start = l.account(a.publicKey())!.balance;
    const pay = (amount: string) => Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount});
    // Two txs of one source in one ledger, the second with two operations on the same accounts.
    const r = l.close([l.build(a, [pay("1")]), l.build(a, [pay("2"), pay("3")], {ahead: 1})]);
    assert.deepEqual(r.applied.map((x) => x.successful), [true, true]);
    const [m1, m2] = [r.applied[0]!.meta!, r.applied[1]!.meta!];

    // Fee phase: each tx's fee delta is its own (the second starts where the first fee left it).
    assert.equal(balanceOf(m1.fee[0]!.before), start);
    assert.equal(balanceOf(m1.fee[0]!.after), start - 100n);
    assert.equal(balanceOf(m2.fee[0]!.before), start - 100n);
    assert.equal(balanceOf(m2.fee[0]!.after), start - 300n);

    // Operations: each before is the previous after, not a state written later.
    const aDelta = (ops: typeof m1.operations[number]) => ops.find((d) => (d.after as AccountEntry).accountId === a.publicKey())!;
    assert.equal(balanceOf(aDelta(m1.operations[0]!).before), start - 300n);
    assert.equal(balanceOf(aDelta(m1.operations[0]!).after), start - 300n - 10_000_000n);
    assert.equal(balanceOf(aDelta(m2.operations[0]!).before), start - 300n - 10_000_000n);
    assert.equal(balanceOf(aDelta(m2.operations[0]!).after), start - 300n - 30_000_000n);
    assert.equal(balanceOf(aDelta(m2.operations[1]!).before), start - 300n - 30_000_000n);
    assert.equal(balanceOf(aDelta(m2.operations[1]!).after), start - 300n - 60_000_000n);

    // The close stamps the ledger on the entries it writes, not on the meta's snapshots.
    const written = r.changes.get(accountKey(a.publicKey())) as AccountEntry;
    assert.equal(written.lastModifiedLedger, r.header.seq);
    for (const m of [m1, m2]) {
      for (const d of [...m.fee, ...m.before, ...m.operations.flat()]) {
        assert.equal(d.before?.lastModifiedLedger, funded, "a before state keeps the ledger that last wrote it");
        assert.notEqual(d.after, written, "the stored entry is not one of the meta's snapshots");
      }
    }
  });
});
