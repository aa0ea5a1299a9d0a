/**
 * A ledger's topics built ahead of the feed's listeners (`prepareSliceRecords`): the work the
 * listeners asked of the ledger before (the operation records, the per-account index of
 * payments) is done for the next ledger over several event-loop turns, and the listeners get
 * the ledger after it. Two feeds take the same closed ledgers of a node: one prepares a record
 * per turn, the other (0) never prepares. Their records and per-account lists are byte-equal;
 * the preparing feed hands a ledger out after `publish` returned (later turns) once its
 * listener had asked, at once otherwise, in ledger order, with `since` answering only for
 * ledgers handed out; and once the listener stops asking, the ledgers after are handed out at once again.
 * A backlog (ledgers published faster than they are prepared) goes out in order, the ledgers
 * beyond two waiting unprepared, in the turn the one before them went out.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {LedgerFeed} from "../../src/api/stream/feed.js";
import type {ClosedLedgerInput, LedgerEvent} from "../../src/api/stream/interface.js";

interface Seen {
  /** The listener ran inside `publish` (same turn). */
  atOnce: boolean;
  /** Whether the listener asked for records this time. */
  asked: boolean;
  payments: string[];
  byAccount: Map<string, string[]>;
  /** Operations in the ledger. */
  ops: number;
}

describe("a ledger's topics prepared ahead of the feed's listeners", () => {
  let n: RunningNode;
  let passphrase: string;
  const accounts = [Keypair.random(), Keypair.random(), Keypair.random()];
  const prepared = new Map<number, Seen>();
  const plain = new Map<number, Seen>();
  const order: number[] = [];
  /** What the preparing feed's `since(ledger)` answered right after `publish` of the ledger returned. */
  const sinceAfterPublish = new Map<number, number[] | undefined>();
  /** The node's closed ledgers, as the feeds got them. */
  const closes: ClosedLedgerInput[] = [];
  /** Ledgers from which the listener of the preparing feed stops asking for records. */
  let stopAskingFrom = Number.POSITIVE_INFINITY;
  let preparingFeed: LedgerFeed;

  function look(e: LedgerEvent, publishing: boolean, ask: boolean): Seen {
    const seen: Seen = {atOnce: publishing, asked: ask, payments: [], byAccount: new Map(), ops: e.header.opCount};
    if (!ask) return seen;
    seen.payments = e.topics.payments.map((r) => r.json);
    for (const k of accounts) seen.byAccount.set(k.publicKey(), e.topics.forAccount("payments", k.publicKey()).map((r) => r.json));
    return seen;
  }

  async function pay(from: Keypair, count: number): Promise<number> {
    const src = await n.server.loadAccount(from.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (let i = 0; i < count; i++) {
      const to = accounts[(accounts.indexOf(from) + 1 + (i % 2)) % accounts.length]!;
      b.addOperation(Operation.payment({destination: to.publicKey(), asset: Asset.native(), amount: String(i + 1)}));
    }
    const tx = b.setTimeout(60).build();
    tx.sign(from);
    return (await n.server.submitTransaction(tx)).ledger;
  }

  before(async () => {
    n = await startNode();
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    preparingFeed = new LedgerFeed({prepareSliceRecords: 1}, {reader: n.node.store});
    const plainFeed = new LedgerFeed({prepareSliceRecords: 0}, {reader: n.node.store});
    let publishing = false;
    preparingFeed.subscribe((e) => {
      order.push(e.ledger);
      prepared.set(e.ledger, look(e, publishing, e.ledger < stopAskingFrom));
    });
    plainFeed.subscribe((e) => plain.set(e.ledger, look(e, publishing, true)));
    n.node.herder.onLedgerClosed((c) => {
      closes.push(c);
      publishing = true;
      try {
        preparingFeed.publish(c);
        sinceAfterPublish.set(c.header.seq, preparingFeed.since(c.header.seq)?.map((e) => e.ledger));
        plainFeed.publish(c);
      } finally {
        publishing = false;
      }
    });
    for (const k of accounts) await n.server.friendbot(k.publicKey()).call();
    // Ledgers of several payments each, each account in some of them.
    for (const from of [...accounts, ...accounts]) await pay(from, 5);
    const lastAsked = await pay(accounts[0]!, 6);
    stopAskingFrom = lastAsked + 1;
    // Ledgers after the listener stopped asking: empty or not, they reach it at once again from the second.
    await waitFor(() => (prepared.has(lastAsked + 3) ? true : undefined), 30_000, "three ledgers past the last asked");
  });
  after(async () => {
    preparingFeed.close();
    await n.stop();
  });

  it("hands every ledger out once, in ledger order", () => {
    assert.ok(order.length >= 10, `ledgers handed out: ${order.length}`);
    for (let i = 1; i < order.length; i++) assert.equal(order[i], order[i - 1]! + 1, `ledger after ${order[i - 1]}`);
  });

  it("formats the same payment records and per-account lists as a feed that never prepares", () => {
    let records = 0;
    for (const [seq, p] of prepared) {
      if (!p.asked) continue;
      const q = plain.get(seq);
      assert.ok(q !== undefined, `ledger ${seq} reached both feeds`);
      assert.deepEqual(p.payments, q.payments, `payments of ledger ${seq}`);
      assert.deepEqual([...p.byAccount], [...q.byAccount], `per-account payments of ledger ${seq}`);
      records += p.payments.length;
    }
    assert.ok(records >= 30, `payment records compared: ${records}`);
  });

  it("hands a ledger out after publish returned once the listener had asked, at once otherwise", () => {
    const seqs = [...prepared.keys()].sort((a, b) => a - b);
    let later = 0;
    for (const seq of seqs) {
      const before = prepared.get(seq - 1);
      const p = prepared.get(seq)!;
      if (before === undefined) continue;
      // The work asked of the ledger before (payments and their index) is prepared for this
      // one, a record a turn after the first turn's (in publish): later unless that is all.
      const expectLater = before.asked && p.ops >= 2;
      assert.equal(p.atOnce, !expectLater, `ledger ${seq}: handed out ${p.atOnce ? "inside publish" : "later"}`);
      if (expectLater) later++;
      // The never-preparing feed hands every ledger out inside publish.
      assert.equal(plain.get(seq)?.atOnce, true, `plain feed, ledger ${seq}`);
    }
    assert.ok(later >= 6, `ledgers prepared ahead: ${later}`);
    const last = seqs[seqs.length - 1]!;
    assert.equal(prepared.get(last)!.asked, false);
    assert.equal(prepared.get(last)!.atOnce, true, "a ledger after one nobody asked of goes out at once: preparing asks nothing itself");
  });

  it("hands a backlog out in order, the ledgers beyond two waiting without preparation", async () => {
    const burst = new LedgerFeed({prepareSliceRecords: 1}, {reader: n.node.store});
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      if (!ticking) return;
      turn++;
      setImmediate(tick);
    };
    tick();
    const out: {ledger: number; turn: number; payments: string[]}[] = [];
    burst.subscribe((e) => out.push({ledger: e.ledger, turn, payments: e.topics.payments.map((r) => r.json)}));
    // Ledgers of several operations, published in one turn: the first goes out at once (nothing asked before it).
    const inputs = closes.filter((c) => c.header.opCount >= 2);
    assert.ok(inputs.length >= 6, `ledgers of several operations: ${inputs.length}`);
    for (const c of inputs) burst.publish(c);
    assert.equal(out.length, 1, "the first at once, the second being prepared, the rest waiting");
    await waitFor(() => (out.length === inputs.length ? true : undefined), 10_000, "the backlog handed out");
    ticking = false;
    assert.deepEqual(
      out.map((o) => o.ledger),
      inputs.map((c) => c.header.seq),
    );
    for (const o of out) assert.deepEqual(o.payments, plain.get(o.ledger)?.payments, `payments of ledger ${o.ledger}`);
    // Once the second is out, the third goes out unprepared in the next turn, and with it the
    // ones after while more than two wait; the last two are prepared, a turn or more each.
    const sameTurn = out.filter((o, i) => i > 1 && o.turn === out[i - 1]!.turn).map((o) => o.ledger);
    assert.deepEqual(
      sameTurn,
      inputs.slice(3, inputs.length - 2).map((c) => c.header.seq),
    );
  });

  it("answers since() only for the ledgers handed out", () => {
    let checked = 0;
    for (const [seq, p] of prepared) {
      const kept = sinceAfterPublish.get(seq);
      if (kept === undefined) continue;
      // Right after publish: the ledger is in the window when it went out at once, not yet otherwise.
      assert.deepEqual(kept, p.atOnce ? [seq] : [], `ledger ${seq}: since() right after publish`);
      checked++;
    }
    assert.ok(checked >= 10, `ledgers checked: ${checked}`);
  });
});
