/**
 * Horizon's SSE protocol on the wire, over raw HTTP: the preamble, `id:` + `data:` per record
 * (the record exactly as GET answers it), cursor / `now` / Last-Event-ID resumption without gap
 * or duplicate across the switch from history to live ledgers, the goodbye at `limit`, heartbeat
 * comments, 406 for a route Horizon does not stream, and 503 past the stream limit.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {openSse, type SseClient, type SseEvent} from "../helpers/sse.js";
import {toidString} from "../../src/store/toid.js";

const PREAMBLE = 'retry: 1000\nevent: open\ndata: "hello"\n\n';
const GOODBYE = 'retry: 10\nevent: close\ndata: "byebye"\n\n';

function records(events: SseEvent[]): SseEvent[] {
  return events.filter((e) => e.event === undefined);
}

function ledgerSeqs(events: SseEvent[]): number[] {
  return records(events).map((e) => (JSON.parse(e.data) as {sequence: number}).sequence);
}

describe("SSE streams (wire format)", () => {
  let n: RunningNode;
  let passphrase: string;
  const open: SseClient[] = [];
  const alice = Keypair.random();
  const bob = Keypair.random();

  async function sse(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = await openSse(n.url + path, headers);
    open.push(c);
    return c;
  }

  async function pay(from: Keypair, to: Keypair, amount: string): Promise<string> {
    const src = await n.server.loadAccount(from.publicKey());
    const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: to.publicKey(), asset: Asset.native(), amount}))
      // No upper time bound: with 200 ms ledgers, close times run up to 60 s ahead of the clock.
      .setTimeout(0)
      .build();
    tx.sign(from);
    return (await n.server.submitTransaction(tx)).hash;
  }

  before(async () => {
    n = await startNode({sse: {heartbeatMs: 150, maxStreams: 6}});
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    await n.server.friendbot(alice.publicKey()).call();
    await n.server.friendbot(bob.publicKey()).call();
  });
  after(async () => {
    for (const c of open) c.close();
    await n.stop();
  });

  it("answers with the preamble, then one id + data event per new ledger, each the GET record byte for byte", async () => {
    const c = await sse("/ledgers?cursor=now");
    assert.equal(c.status, 200);
    assert.equal(c.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.equal(c.headers["cache-control"], "no-cache");
    await c.waitFor((ev) => records(ev).length >= 2, 10_000, "two ledgers");
    assert.ok(c.raw().startsWith(PREAMBLE), c.raw().slice(0, 80));
    const [first, second] = records(c.events());
    const seq = (JSON.parse(first!.data) as {sequence: number}).sequence;
    assert.equal((JSON.parse(second!.data) as {sequence: number}).sequence, seq + 1);
    const body = await (await fetch(`${n.url}/ledgers/${seq}`)).text();
    assert.equal(first!.data, body);
    assert.equal(first!.id, toidString(seq, 0, 0));
    // The exact frame: id line, data line, blank line.
    assert.ok(c.raw().includes(`id: ${first!.id}\ndata: ${body}\n\n`));
    c.close();
  });

  it("resumes from a paging token across history and live ledgers with no gap and no duplicate", async () => {
    // Five ledgers from history, then live ones, in one stream: pages end and the feed takes over.
    const latest = (await (await fetch(n.url + "/")).json()) as {history_latest_ledger: number};
    const from = Math.max(1, latest.history_latest_ledger - 5);
    const c = await sse(`/ledgers?cursor=${toidString(from, 0, 0)}&limit=200`);
    await c.waitFor((ev) => records(ev).length >= 12, 15_000, "history and live ledgers");
    const seqs = ledgerSeqs(c.events());
    assert.deepEqual(seqs, seqs.map((_, i) => from + 1 + i));
    c.close();
  });

  it("Last-Event-ID takes precedence over the cursor parameter", async () => {
    const c = await sse("/ledgers?cursor=now&limit=2", {"Last-Event-ID": toidString(2, 0, 0)});
    const ev = await c.waitFor((e) => records(e).length >= 2, 10_000, "two ledgers");
    assert.deepEqual(ledgerSeqs(ev).slice(0, 2), [3, 4]);
    c.close();
  });

  it("sends the goodbye event after `limit` events and ends the response, as Horizon", async () => {
    const c = await sse(`/ledgers?cursor=${toidString(1, 0, 0)}&limit=3`);
    await c.ended;
    assert.deepEqual(ledgerSeqs(c.events()), [2, 3, 4]);
    assert.ok(c.raw().endsWith(GOODBYE), c.raw().slice(-60));
  });

  it("streams an account's payments from cursor=now: each payment as /accounts/{id}/payments lists it", async () => {
    const c = await sse(`/accounts/${bob.publicKey()}/payments?cursor=now`);
    await c.waitFor((ev) => ev.length >= 1, 5000, "preamble");
    const hash = await pay(alice, bob, "3");
    const ev = await c.waitFor((e) => records(e).length >= 1, 10_000, "the payment");
    const rec = JSON.parse(records(ev)[0]!.data) as {transaction_hash: string; amount: string; paging_token: string};
    assert.equal(rec.transaction_hash, hash);
    assert.equal(rec.amount, "3.0000000");
    const page = (await (await fetch(`${n.url}/accounts/${bob.publicKey()}/payments?order=desc&limit=1`)).json()) as {_embedded: {records: unknown[]}};
    assert.equal(records(ev)[0]!.data, JSON.stringify(page._embedded.records[0]));
    assert.equal(records(ev)[0]!.id, rec.paging_token);
    c.close();
  });

  it("a stream from a recent paging token (the feed's kept ledgers) sends what GET lists after it, byte for byte", async () => {
    await pay(alice, bob, "1.5");
    await pay(bob, alice, "0.5");
    for (const path of ["/payments", "/effects", `/accounts/${alice.publicKey()}/operations`]) {
      const newest = (await (await fetch(`${n.url}${path}?order=desc&limit=4`)).json()) as {_embedded: {records: {paging_token: string}[]}};
      const cursor = newest._embedded.records[3]!.paging_token;
      const page = (await (await fetch(`${n.url}${path}?cursor=${cursor}&limit=3`)).json()) as {_embedded: {records: unknown[]}};
      const c = await sse(`${path}?cursor=${cursor}&limit=3`);
      await c.ended;
      assert.deepEqual(
        records(c.events()).map((e) => e.data),
        page._embedded.records.map((r) => JSON.stringify(r)),
        path,
      );
      assert.ok(c.raw().endsWith(GOODBYE), path);
    }
  });

  it("streams effects and transactions with their filters (effects of one account only)", async () => {
    const effects = await sse(`/accounts/${alice.publicKey()}/effects?cursor=now`);
    const txs = await sse(`/transactions?cursor=now`);
    await effects.waitFor((ev) => ev.length >= 1, 5000, "preamble");
    await txs.waitFor((ev) => ev.length >= 1, 5000, "preamble");
    const hash = await pay(alice, bob, "1");
    const ev = await effects.waitFor((e) => records(e).length >= 1, 10_000, "alice's debit");
    for (const e of records(ev)) assert.equal((JSON.parse(e.data) as {account: string}).account, alice.publicKey());
    assert.ok(records(ev).some((e) => (JSON.parse(e.data) as {type: string}).type === "account_debited"));
    const t = await txs.waitFor((e) => records(e).some((r) => (JSON.parse(r.data) as {hash: string}).hash === hash), 10_000, "the tx");
    const rec = records(t).find((r) => (JSON.parse(r.data) as {hash: string}).hash === hash)!;
    assert.equal(rec.data, await (await fetch(`${n.url}/transactions/${hash}`)).text());
    effects.close();
    txs.close();
  });

  it("re-sends an account when a ledger changes it (object stream, no id)", async () => {
    const c = await sse(`/accounts/${bob.publicKey()}`);
    const first = await c.waitFor((e) => records(e).length >= 1, 5000, "the account");
    assert.equal(first[1]!.id, undefined);
    assert.equal(first[1]!.data, await (await fetch(`${n.url}/accounts/${bob.publicKey()}`)).text());
    await pay(alice, bob, "2");
    const ev = await c.waitFor((e) => records(e).length >= 2, 10_000, "the changed account");
    const [a, b] = records(ev).map((e) => JSON.parse(e.data) as {balances: {asset_type: string; balance: string}[]});
    const bal = (x: typeof a) => Number(x!.balances.find((y) => y.asset_type === "native")!.balance);
    assert.equal(bal(b) - bal(a), 2);
    c.close();
  });

  it("keeps idle streams open with heartbeat comments", async () => {
    // A ledger that will not exist for a while: nothing but comments arrives.
    const c = await sse("/ledgers/1000000/transactions");
    await waitFor(() => (c.comments() >= 2 ? true : undefined), 5000, "heartbeats");
    assert.equal(records(c.events()).length, 0);
    c.close();
  });

  it("answers 406 problem+json when a route Horizon does not stream is asked for a stream", async () => {
    for (const path of ["/ledgers/2", "/fee_stats", "/transactions/" + "0".repeat(64), "/offers", "/assets"]) {
      const res = await fetch(n.url + path, {headers: {Accept: "text/event-stream"}});
      assert.equal(res.status, 406, path);
      assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
      const body = (await res.json()) as {type: string; status: number};
      assert.equal(body.type, "https://stellar.org/horizon-errors/not_acceptable");
      assert.equal(body.status, 406);
    }
    // The same routes still answer JSON.
    assert.equal((await fetch(n.url + "/ledgers/2")).status, 200);
  });

  it("rejects a bad parameter before any preamble, with the route's own 400", async () => {
    for (const path of ["/ledgers?cursor=abc", "/accounts/GNOPE/payments", "/ledgers?limit=500", "/ledgers?order=desc"]) {
      const res = await fetch(n.url + path, {headers: {Accept: "text/event-stream"}});
      assert.equal(res.status, 400, path);
      assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
    }
    const res = await fetch(`${n.url}/accounts/${Keypair.random().publicKey()}`, {headers: {Accept: "text/event-stream"}});
    assert.equal(res.status, 404);
  });

  it("answers 503 beyond the open stream limit, and accepts again once one closes", async () => {
    await waitFor(() => (n.node.api.streams.count === 0 ? true : undefined), 5000, "earlier streams to close");
    const held: SseClient[] = [];
    for (let i = 0; i < 6; i++) held.push(await sse("/ledgers?cursor=now"));
    for (const c of held) assert.equal(c.status, 200);
    const res = await fetch(n.url + "/ledgers?cursor=now", {headers: {Accept: "text/event-stream"}});
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as {type: string}).type, "https://stellar.org/horizon-errors/service_unavailable");
    held[0]!.close();
    await waitFor(async () => {
      const c = await openSse(n.url + "/ledgers?cursor=now");
      c.close();
      return c.status === 200 ? true : undefined;
    }, 5000, "a free stream slot");
    for (const c of held) c.close();
  });
});
