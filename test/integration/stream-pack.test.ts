/**
 * A ledger's topic records are kept as their SSE events in one packed buffer per topic list. A
 * stream resuming from any paging token in the kept ledgers (every record boundary, a ledger's
 * first and last record, the token just before the first kept record) is sent exactly the events
 * GET lists after that token, byte for byte: for a whole topic (sent as views of the packs), a
 * per-account list (its records copied out of the packs) and transactions whose memo is
 * multi-byte UTF-8. The ws frames copied from the packs equal the frames written from the
 * records' texts.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Keypair, Memo, Operation, TransactionBuilder, Asset, type Horizon} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {LedgerFeed} from "../../src/api/stream/feed.js";
import {SseStreams, type StreamRequest} from "../../src/api/stream/sse.js";
import {SSE_PREAMBLE, eventFrame} from "../../src/api/stream/connection.js";
import type {ClosedLedgerInput, EventFeed, LedgerEvent} from "../../src/api/stream/interface.js";
import type {GetRoute, RouteContext} from "../../src/api/routes/context.js";
import {recordsFrame, recordsFrameBytes} from "../../src/api/ws/streams.js";
import type {Subscription} from "../../src/api/ws/protocol.js";

interface Page {
  _embedded: {records: {paging_token: string}[]};
}

describe("packed topic records", () => {
  let n: RunningNode;
  let passphrase: string;
  /** A feed beside the node's that keeps every ledger of the test, so every resume is served from its packs. */
  let feed: LedgerFeed;
  const events: LedgerEvent[] = [];
  const senders = Array.from({length: 4}, () => Keypair.random());
  const receiver = Keypair.random();
  const ledgers = new Set<number>();

  before(async () => {
    n = await startNode();
    feed = new LedgerFeed({retainLedgers: 10_000, retainOperations: 1_000_000}, {reader: n.node.store});
    const publish = n.node.feed.publish.bind(n.node.feed);
    n.node.feed.publish = (input: ClosedLedgerInput): LedgerEvent => {
      events.push(feed.publish(input));
      return publish(input);
    };
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [...senders, receiver]) await n.server.friendbot(k.publicKey()).call();
    // Two rounds of payments from every sender at once (several records per ledger), each with a multi-byte memo.
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(
        senders.map(async (s, i): Promise<Horizon.HorizonApi.SubmitTransactionResponse> => {
          const src = await n.server.loadAccount(s.publicKey());
          const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
            .addOperation(Operation.payment({destination: receiver.publicKey(), asset: Asset.native(), amount: `${i + 1}`}))
            .addOperation(Operation.payment({destination: senders[(i + 1) % senders.length]!.publicKey(), asset: Asset.native(), amount: "1"}))
            .addMemo(Memo.text(`café ☕ ${round}${i}`))
            .setTimeout(60)
            .build();
          tx.sign(s);
          return n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
        }),
      );
      for (const r of results) ledgers.add(r.ledger);
    }
    const last = Math.max(...ledgers);
    await waitFor(() => (events.some((e) => e.ledger >= last) ? true : undefined), 20_000, "the payments' ledger events");
  });
  after(async () => {
    await n.stop();
  });

  async function get(path: string): Promise<{paging_token: string}[]> {
    const res = await fetch(n.url + path);
    assert.equal(res.status, 200, path);
    return ((await res.json()) as Page)._embedded.records;
  }

  /** What a stream of `pattern` resuming from `lastEventId` writes while the feed's kept ledgers are sent (the preamble left out). */
  async function resume(pattern: string, path: string, params: string[], query: string, lastEventId: string): Promise<{bytes: Buffer; streams: SseStreams}> {
    const streams = new SseStreams({heartbeatMs: 60_000}, {feed: feed as EventFeed, defaultPageLimit: 10, maxPageLimit: 200, log: {error: () => {}}});
    streams.start();
    // Only asked to check the parameters (a one-record read from `now`): the records come from the feed.
    const route: GetRoute = {
      method: "get",
      pattern,
      cacheable: false,
      handle: () => ({status: 200, contentType: "application/hal+json", body: JSON.stringify({_links: {}, _embedded: {records: []}})}),
    };
    const chunks: Buffer[] = [];
    const res = {
      cork: (cb: () => void) => {
        cb();
        return res;
      },
      writeStatus: () => res,
      writeHeader: () => res,
      write: (chunk: string | Buffer) => {
        chunks.push(Buffer.from(chunk));
        return true;
      },
      end: (chunk?: string) => {
        if (chunk !== undefined) chunks.push(Buffer.from(chunk));
        return res;
      },
      close: () => res,
      onWritable: () => res,
    };
    const ctx = {base: n.url, params, query: new URLSearchParams(query), path, accept: "text/event-stream", modules: {reader: n.node.store}} as unknown as RouteContext;
    const reply = await streams.open({route, ctx, lastEventId, res: res as unknown as StreamRequest["res"], onAbort: () => {}});
    assert.equal(reply, null);
    streams.stop();
    const bytes = Buffer.concat(chunks);
    assert.ok(bytes.subarray(0, SSE_PREAMBLE.length).equals(Buffer.from(SSE_PREAMBLE)));
    return {bytes: bytes.subarray(SSE_PREAMBLE.length), streams};
  }

  /** Resumes from every record boundary of `listPath`'s records in the kept ledgers, and from the token before the first. */
  async function everyBoundary(pattern: string, path: string, params: string[], query: string): Promise<number> {
    const oldest = events[0]!.ledger;
    const all = (await get(`${path}?${query}&limit=200&order=asc`)).filter((r) => BigInt(r.paging_token) >> 32n >= BigInt(oldest));
    assert.ok(all.length >= 2, `${path} lists records in the kept ledgers`);
    const cursors = [(BigInt(all[0]!.paging_token) - 1n).toString(), ...all.map((r) => r.paging_token)];
    for (const cursor of cursors) {
      const expected = Buffer.from(
        (await get(`${path}?${query}&cursor=${cursor}&limit=200&order=asc`)).map((r) => eventFrame(r.paging_token, JSON.stringify(r))).join(""),
        "utf8",
      );
      const {bytes, streams} = await resume(pattern, path, params, `${query}&limit=200`, cursor);
      assert.ok(bytes.equals(expected), `${path} from ${cursor}: ${bytes.length} bytes against ${expected.length}`);
      assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 0}, `${path} from ${cursor} served from the kept ledgers`);
    }
    return all.length;
  }

  it("a whole topic resumes at every boundary with GET's bytes", async () => {
    assert.ok((await everyBoundary("/payments", "/payments", [], "include_failed=true")) >= 2 * senders.length * 2);
  });

  it("a per-account list resumes at every boundary with GET's bytes", async () => {
    const id = receiver.publicKey();
    await everyBoundary("/accounts/:id/payments", `/accounts/${id}/payments`, [id], "include_failed=true");
  });

  it("transactions with multi-byte memos resume at every boundary with GET's bytes", async () => {
    await everyBoundary("/transactions", "/transactions", [], "include_failed=true");
  });

  it("a record's json, event and copies agree, and ws frames copied from the packs equal frames from the texts", () => {
    let checked = 0;
    for (const e of events) {
      const t = e.topicsFor(n.url);
      for (const list of [t.ledgers, t.transactions, t.operations, t.payments, t.effects]) {
        for (const r of list) {
          const json = Buffer.from(r.json, "utf8");
          assert.equal(r.jsonByteLength, json.length);
          const out = Buffer.alloc(json.length + 2);
          assert.equal(r.copyJson(out, 1), json.length);
          assert.ok(out.subarray(1, 1 + json.length).equals(json));
          const event = Buffer.from(eventFrame(r.token, r.json), "utf8");
          assert.ok(r.frame().equals(event));
          assert.equal(r.eventByteLength, event.length);
          const ev = Buffer.alloc(event.length);
          r.copyEvent(ev, 0);
          assert.ok(ev.equals(event));
          checked++;
        }
      }
      const sub = {id: "s", topic: "payments", channel: "payments"} as unknown as Subscription;
      const items = t.payments;
      if (items.length === 0) continue;
      assert.ok(recordsFrameBytes(sub, e.ledger, items).equals(Buffer.from(recordsFrame(sub, e.ledger, items), "utf8")));
      const some = t.forAccount("payments", receiver.publicKey());
      if (some.length > 0) assert.ok(recordsFrameBytes(sub, e.ledger, some).equals(Buffer.from(recordsFrame(sub, e.ledger, some), "utf8")));
    }
    assert.ok(checked > 20);
  });
});
