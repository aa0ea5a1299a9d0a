/**
 * A stream plan's selection from a ledger's lists is made once per list and filter and shared by
 * every stream with that filter: whatever order streams with different filters ask in, and however
 * often, each gets the records its filter keeps (failed or not, joined or not, one ledger, one
 * transaction, one account), in paging order, the same as filtering the list afresh.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-sdk";
import {streamPlan, memoSelection, type PageStreamPlan, type StreamItem} from "../../../src/api/stream/plans.js";
import type {LedgerTopics, OperationFeedRecord, TransactionFeedRecord} from "../../../src/api/stream/interface.js";
import type {RouteContext} from "../../../src/api/routes/context.js";
import {toid} from "../../../src/api/format/toid.js";

const ALICE = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 1)).publicKey();
const BOB = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2)).publicKey();
const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

interface Spec {
  ledger: number;
  txHash: string;
  ok: boolean;
  payment: boolean;
  accounts: string[];
}

function op(i: number, s: Spec): OperationFeedRecord {
  const token = toid(s.ledger, i + 1, 1);
  const json = JSON.stringify({id: token, paging_token: token, transaction_successful: s.ok});
  const joined = `${json.slice(0, -1)},"transaction":{"hash":"${s.txHash}"}}`;
  return {
    token,
    json,
    ledger: s.ledger,
    opId: token,
    txHash: s.txHash,
    transactionSuccessful: s.ok,
    payment: s.payment,
    accounts: new Set(s.accounts),
    frame: () => Buffer.from(`id: ${token}\ndata: ${json}\n\n`),
    joinedJson: () => joined,
    joinedFrame: () => Buffer.from(`id: ${token}\ndata: ${joined}\n\n`),
  } as unknown as OperationFeedRecord;
}

function tx(i: number, s: Spec): TransactionFeedRecord {
  const token = toid(s.ledger, i + 1, 0);
  return {token, json: `{"paging_token":"${token}"}`, ledger: s.ledger, txHash: s.txHash, successful: s.ok, accounts: new Set(s.accounts)} as unknown as TransactionFeedRecord;
}

/** A ledger's topics over `specs` (operation i of transaction i), per-account lists from an index built once, as the feed's. */
function topics(specs: Spec[]): LedgerTopics {
  const operations = specs.map((s, i) => op(i, s));
  const payments = operations.filter((o) => o.payment);
  const transactions = specs.map((s, i) => tx(i, s));
  const lists: Record<string, readonly {accounts: Iterable<string>}[]> = {operations, payments, transactions};
  const index = new Map<string, Map<string, unknown[]>>();
  return {
    operations,
    payments,
    transactions,
    forAccount(topic: string, account: string) {
      let byAccount = index.get(topic);
      if (byAccount === undefined) {
        byAccount = new Map();
        for (const r of lists[topic]!) for (const a of r.accounts) byAccount.set(a, [...(byAccount.get(a) ?? []), r]);
        index.set(topic, byAccount);
      }
      return byAccount.get(account) ?? [];
    },
  } as unknown as LedgerTopics;
}

const SPECS: Spec[] = [
  {ledger: 7, txHash: HASH_A, ok: true, payment: true, accounts: [ALICE, BOB]},
  {ledger: 7, txHash: HASH_A, ok: false, payment: true, accounts: [ALICE]},
  {ledger: 7, txHash: HASH_B, ok: true, payment: false, accounts: [BOB]},
  {ledger: 7, txHash: HASH_B, ok: false, payment: false, accounts: [ALICE, BOB]},
  {ledger: 7, txHash: HASH_A, ok: true, payment: true, accounts: [BOB]},
];

function plan(pattern: string, params: string[], query: string): PageStreamPlan {
  const ctx = {base: "http://x", params, query: new URLSearchParams(query), path: "/", accept: "text/event-stream"} as unknown as RouteContext;
  const p = streamPlan(pattern, ctx);
  assert.equal(p?.kind, "page");
  return p as PageStreamPlan;
}

/** What a stream of these parameters lists, filtered afresh. */
function expected(list: readonly OperationFeedRecord[], o: {failed: boolean; join: boolean; txHash?: string; account?: string}): {token: string; json: string}[] {
  return list
    .filter((r) => (o.failed || r.transactionSuccessful) && (o.txHash === undefined || r.txHash === o.txHash) && (o.account === undefined || r.accounts.has(o.account)))
    .map((r) => ({token: r.token, json: o.join ? r.joinedJson() : r.json}));
}

const view = (items: readonly StreamItem[]) => items.map((i) => ({token: i.token, json: i.json}));

describe("stream plans' selections, memoized per list and filter", () => {
  const cases: {name: string; pattern: string; params: string[]; query: string; topic: "operations" | "payments"; want: {failed: boolean; join: boolean; txHash?: string; account?: string}}[] = [
    {name: "/payments", pattern: "/payments", params: [], query: "", topic: "payments", want: {failed: false, join: false}},
    {name: "/payments include_failed", pattern: "/payments", params: [], query: "include_failed=true", topic: "payments", want: {failed: true, join: false}},
    {name: "/payments join", pattern: "/payments", params: [], query: "join=transactions", topic: "payments", want: {failed: false, join: true}},
    {name: "/payments include_failed join", pattern: "/payments", params: [], query: "include_failed=true&join=transactions", topic: "payments", want: {failed: true, join: true}},
    {name: "/operations", pattern: "/operations", params: [], query: "", topic: "operations", want: {failed: false, join: false}},
    {name: "/operations include_failed", pattern: "/operations", params: [], query: "include_failed=true", topic: "operations", want: {failed: true, join: false}},
    {name: "/ledgers/7/operations", pattern: "/ledgers/:seq/operations", params: ["7"], query: "", topic: "operations", want: {failed: false, join: false}},
    {name: "/transactions/A/payments", pattern: "/transactions/:hash/payments", params: [HASH_A], query: "", topic: "payments", want: {failed: true, join: false, txHash: HASH_A}},
    {name: "/transactions/B/operations join", pattern: "/transactions/:hash/operations", params: [HASH_B], query: "join=transactions", topic: "operations", want: {failed: true, join: true, txHash: HASH_B}},
    {name: "alice's payments", pattern: "/accounts/:id/payments", params: [ALICE], query: "", topic: "payments", want: {failed: false, join: false, account: ALICE}},
    {name: "alice's payments include_failed", pattern: "/accounts/:id/payments", params: [ALICE], query: "include_failed=true", topic: "payments", want: {failed: true, join: false, account: ALICE}},
    {name: "bob's operations include_failed join", pattern: "/accounts/:id/operations", params: [BOB], query: "include_failed=true&join=transactions", topic: "operations", want: {failed: true, join: true, account: BOB}},
  ];

  it("every filter gets what filtering afresh gives, in either order and on every call", () => {
    for (const order of [cases, [...cases].reverse()]) {
      const t = topics(SPECS);
      for (let round = 0; round < 2; round++) {
        for (const c of order) {
          const got = plan(c.pattern, c.params, c.query).select(t);
          assert.deepEqual(view(got), expected(t[c.topic], c.want), `${c.name}, round ${round}`);
        }
      }
    }
  });

  it("streams with the same filter share one selection per list; another ledger's list is selected anew", () => {
    const t = topics(SPECS);
    const a = plan("/payments", [], "include_failed=true&join=transactions");
    const b = plan("/payments", [], "include_failed=true&join=transactions");
    const first = a.select(t);
    assert.equal(b.select(t), first);
    assert.equal(a.select(t), first);
    // A filter keeping every record answers with the list itself (its packed events are shared).
    assert.equal(plan("/payments", [], "include_failed=true").select(t), t.payments);
    const next = topics(SPECS.map((s) => ({...s, ledger: 8})));
    const other = a.select(next);
    assert.notEqual(other, first);
    assert.deepEqual(view(other), expected(next.payments, {failed: true, join: true}));
  });

  it("per-account streams of different accounts and filters do not share", () => {
    const t = topics(SPECS);
    const alice = plan("/accounts/:id/payments", [ALICE], "").select(t);
    const bob = plan("/accounts/:id/payments", [BOB], "").select(t);
    const aliceFailed = plan("/accounts/:id/payments", [ALICE], "include_failed=true").select(t);
    assert.deepEqual(view(alice), expected(t.payments, {failed: false, join: false, account: ALICE}));
    assert.deepEqual(view(bob), expected(t.payments, {failed: false, join: false, account: BOB}));
    assert.deepEqual(view(aliceFailed), expected(t.payments, {failed: true, join: false, account: ALICE}));
    assert.notDeepEqual(view(alice), view(aliceFailed));
  });

  it("transaction streams: include_failed and the ledger filter", () => {
    const t = topics(SPECS);
    const all = plan("/transactions", [], "include_failed=true").select(t);
    const ok = plan("/transactions", [], "").select(t);
    const ledger7 = plan("/ledgers/:seq/transactions", ["7"], "").select(t);
    const ledger8 = plan("/ledgers/:seq/transactions", ["8"], "").select(t);
    assert.equal(all, t.transactions);
    assert.deepEqual(
      ok.map((i) => i.token),
      t.transactions.filter((r) => r.successful).map((r) => r.token),
    );
    assert.deepEqual(ledger7, ok);
    assert.deepEqual(ledger8, []);
  });

  it("memoSelection makes a selection once per list and key", () => {
    const list = [{token: "1", json: "{}", frame: () => Buffer.alloc(0)}];
    let made = 0;
    const make = (): readonly StreamItem[] => {
      made++;
      return [];
    };
    const x = memoSelection(list, "k", make);
    assert.equal(memoSelection(list, "k", make), x);
    memoSelection(list, "other", make);
    memoSelection([...list], "k", make);
    assert.equal(made, 3);
    // An empty list is its own selection.
    const empty: StreamItem[] = [];
    assert.equal(memoSelection(empty, "k", make), empty);
    assert.equal(made, 3);
  });
});
