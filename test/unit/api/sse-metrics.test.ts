/**
 * diamante_api_stream_subscribers{transport="sse"} follows the open SSE streams on every path a
 * stream ends by: the client going away (before and after the preamble), the goodbye at the
 * limit, a consumer past its buffer bound, a failed render, the route's own error before the
 * preamble, and shutdown. Driven without a socket: a response that behaves as uWS's and a feed
 * the test publishes ledgers on.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-sdk";
import {Registry} from "prom-client";
import {createMetrics, type Metrics} from "../../../src/metrics/metrics.js";
import {SseStreams, type StreamRequest} from "../../../src/api/stream/sse.js";
import type {EventFeed, LedgerEvent, LedgerEventListener} from "../../../src/api/stream/interface.js";
import type {GetRoute, Reply, RouteContext} from "../../../src/api/routes/context.js";

class FakeFeed {
  private listeners: LedgerEventListener[] = [];
  subscribe(l: LedgerEventListener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
  get subscriberCount(): number {
    return this.listeners.length;
  }
  /** A ledger that changed `account`. */
  publish(account: string): void {
    const e = {changed: {accounts: new Set([account]), books: new Set(), offers: new Set()}} as unknown as LedgerEvent;
    for (const l of this.listeners) l(e);
  }
}

/** A uWS-like response whose socket takes `capacity` bytes and never drains. */
function response(capacity: number) {
  let buffered = 0;
  const state = {written: "", ended: false, closed: false};
  const res = {
    cork: (cb: () => void) => {
      cb();
      return res;
    },
    writeStatus: () => res,
    writeHeader: () => res,
    write: (chunk: string) => {
      state.written += chunk;
      buffered += Buffer.byteLength(chunk);
      return buffered <= capacity;
    },
    end: (chunk?: string) => {
      if (chunk !== undefined) state.written += chunk;
      state.ended = true;
      return res;
    },
    close: () => {
      state.closed = true;
      return res;
    },
    onWritable: () => res,
  };
  return {res: res as unknown as StreamRequest["res"], state};
}

async function gauge(metrics: Metrics): Promise<number> {
  const v = (await metrics.streamSubscribers.get()).values.find((x) => x.labels.transport === "sse");
  return v?.value ?? Number.NaN;
}

/** Lets the streams' awaited renders and refreshes run. */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 10));
}

describe("SSE stream subscriber gauge", () => {
  const account = Keypair.random().publicKey();
  /** The account object's body changes with every render, so each ledger sends a new version. */
  let version = 0;
  let failRenders = false;
  const route: GetRoute = {
    method: "get",
    pattern: "/accounts/:id",
    cacheable: true,
    handle(): Reply {
      if (failRenders) return {status: 404, contentType: "application/problem+json", body: "{}"};
      version++;
      return {status: 200, contentType: "application/hal+json", body: JSON.stringify({id: account, version})};
    },
  };

  function setup(opts: {objectStreamLimit?: number; maxBufferedBytes?: number} = {}) {
    const metrics = createMetrics(new Registry());
    const feed = new FakeFeed();
    const streams = new SseStreams(
      {heartbeatMs: 60_000, objectStreamLimit: opts.objectStreamLimit ?? 100, maxBufferedBytes: opts.maxBufferedBytes ?? 1 << 20},
      {feed: feed as unknown as EventFeed, maxPageLimit: 200, defaultPageLimit: 10, log: {error: () => {}}, metrics},
    );
    streams.start();
    const open = async (capacity = 1 << 20, id = account) => {
      let abort: () => void = () => {};
      const {res, state} = response(capacity);
      const ctx = {base: "http://x", params: [id], query: new URLSearchParams(), path: `/accounts/${id}`, accept: "text/event-stream"} as unknown as RouteContext;
      const reply = await streams.open({route, ctx, lastEventId: "", res, onAbort: (cb) => (abort = cb)});
      return {reply, state, abort: () => abort()};
    };
    return {metrics, feed, streams, open};
  }

  it("counts each open stream and drops it when the client goes away", async () => {
    const {metrics, streams, open} = setup();
    const a = await open();
    const b = await open();
    assert.equal(a.reply, null);
    assert.equal(await gauge(metrics), 2);
    a.abort();
    assert.equal(await gauge(metrics), 1);
    // A second abort of the same stream counts nothing twice.
    a.abort();
    assert.equal(await gauge(metrics), 1);
    b.abort();
    assert.equal(await gauge(metrics), 0);
    assert.equal(streams.closedCounts().client, 2);
    streams.stop();
  });

  it("drops a stream after its goodbye at the limit", async () => {
    const {metrics, feed, streams, open} = setup({objectStreamLimit: 2});
    const s = await open();
    assert.equal(await gauge(metrics), 1);
    feed.publish(account);
    await settle();
    assert.ok(s.state.ended, "goodbye ended the response");
    assert.match(s.state.written, /byebye/);
    assert.equal(await gauge(metrics), 0);
    assert.equal(streams.closedCounts().limit, 1);
    streams.stop();
  });

  it("drops a consumer closed past its buffer bound", async () => {
    // One version of the object (~85 bytes) may wait for the socket, two may not.
    const {metrics, feed, streams, open} = setup({maxBufferedBytes: 120});
    // The socket takes nothing beyond the preamble: the first version waits, the next overflows.
    const s = await open(1);
    assert.ok(!s.state.closed);
    assert.equal(await gauge(metrics), 1);
    feed.publish(account);
    await settle();
    assert.ok(s.state.closed);
    assert.equal(await gauge(metrics), 0);
    assert.equal(streams.closedCounts().overflow, 1);
    streams.stop();
  });

  it("drops a stream that failed after its preamble, and never counts one refused before it", async () => {
    const {metrics, feed, streams, open} = setup();
    const s = await open();
    failRenders = true;
    try {
      feed.publish(account);
      await settle();
      assert.match(s.state.written, /event: error/);
      assert.equal(await gauge(metrics), 0);
      assert.equal(streams.closedCounts().error, 1);
      // The route's own 404 before any preamble: answered as a reply, not left counted.
      const refused = await open();
      assert.equal(refused.reply?.status, 404);
      assert.equal(await gauge(metrics), 0);
    } finally {
      failRenders = false;
    }
    streams.stop();
  });

  it("drops every stream at shutdown", async () => {
    const {metrics, streams, open} = setup();
    await open();
    await open();
    await open();
    assert.equal(await gauge(metrics), 3);
    streams.stop();
    assert.equal(await gauge(metrics), 0);
  });
});
