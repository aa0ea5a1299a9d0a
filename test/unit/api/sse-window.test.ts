/**
 * SSE collection streams served from the feed's kept ledgers: a stream whose cursor is in one of
 * them reads no history page, and whatever the path (kept ledgers, history pages, or history
 * then kept ledgers) it sends every record after its cursor once, in order, across the switch
 * to live ledgers, with `limit` goodbyes and Last-Event-ID reconnections. Driven without a
 * socket: a history of payment records the route pages as the real one does, and a feed that
 * keeps its last ledgers as LedgerFeed does.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {SseStreams, type StreamRequest} from "../../../src/api/stream/sse.js";
import {eventFrame} from "../../../src/api/stream/connection.js";
import type {EventFeed, LedgerEvent, LedgerEventListener, OperationFeedRecord} from "../../../src/api/stream/interface.js";
import type {GetRoute, Reply, RouteContext} from "../../../src/api/routes/context.js";
import {toid} from "../../../src/api/format/toid.js";
import {ApiError, ApiErrorCode} from "../../../src/api/errors.js";

const PER_LEDGER = 3;

function tokenOf(ledger: number, i: number): string {
  return toid(ledger, i + 1, 1);
}

function jsonOf(token: string): string {
  return JSON.stringify({id: token, paging_token: token, type: "payment", transaction_successful: true});
}

function feedRecord(ledger: number, i: number): OperationFeedRecord {
  const token = tokenOf(ledger, i);
  const json = jsonOf(token);
  const frame = (): Buffer => Buffer.from(eventFrame(token, json));
  return {
    token,
    json,
    record: JSON.parse(json),
    ledger,
    frame,
    opId: token,
    txHash: "",
    transactionSuccessful: true,
    payment: true,
    accounts: new Set(),
    joinedJson: () => json,
    joinedFrame: frame,
  } as unknown as OperationFeedRecord;
}

/** Committed history (ledgers 1..latest) and a feed that publishes each ledger and keeps the last `retain`. */
class Chain {
  latest = 0;
  private readonly listeners = new Set<LedgerEventListener>();
  private readonly kept: LedgerEvent[] = [];
  /** Route calls: the `limit` each asked for. */
  readonly reads: number[] = [];
  /** Route calls refused for a parameter (refuse=1). */
  refused = 0;
  /** Run inside the next route call, after its page is read (a ledger closing during the read). */
  duringRead: (() => void) | null = null;

  constructor(private readonly retain: number) {}

  /** Commits the next ledger and publishes it. */
  close(): void {
    const ledger = ++this.latest;
    const payments = Array.from({length: PER_LEDGER}, (_, i) => feedRecord(ledger, i));
    const topics = {payments, forAccount: () => []};
    const e = {ledger, topicsFor: () => topics, topics, changed: {accounts: new Set(), books: new Set(), offers: new Set()}} as unknown as LedgerEvent;
    this.kept.push(e);
    if (this.kept.length > this.retain) this.kept.shift();
    for (const l of [...this.listeners]) l(e);
  }

  /** Every token committed after `cursor`. */
  after(cursor: string): string[] {
    const out: string[] = [];
    for (let l = 1; l <= this.latest; l++) for (let i = 0; i < PER_LEDGER; i++) if (BigInt(tokenOf(l, i)) > BigInt(cursor)) out.push(tokenOf(l, i));
    return out;
  }

  readonly feed = {
    subscribe: (l: LedgerEventListener): (() => void) => {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    },
    get subscriberCount(): number {
      return 0;
    },
    last: undefined,
    since: (ledger: number): readonly LedgerEvent[] | undefined => {
      const oldest = this.kept[0];
      if (oldest === undefined || ledger < oldest.ledger) return undefined;
      return this.kept.slice(Math.min(ledger - oldest.ledger, this.kept.length));
    },
  };

  /** GET /payments as the route pages it: records after `cursor`, `limit` of them, asc. */
  readonly route: GetRoute = {
    method: "get",
    pattern: "/payments",
    cacheable: false,
    handle: (ctx: RouteContext): Reply => {
      if (ctx.query.get("refuse") === "1") {
        this.refused++;
        throw new ApiError(ApiErrorCode.BAD_REQUEST, "refused");
      }
      const raw = ctx.query.get("cursor") ?? "0";
      const cursor = raw === "now" ? toid(this.latest, 0xfffff, 0xfff) : raw;
      if (!/^\d{1,19}$/.test(cursor)) throw new ApiError(ApiErrorCode.BAD_REQUEST, "cursor must be a paging token");
      const limit = Number(ctx.query.get("limit") ?? "10");
      this.reads.push(limit);
      const records = this.after(cursor)
        .slice(0, limit)
        .map((t) => JSON.parse(jsonOf(t)) as unknown);
      const last = records.length > 0 ? (records[records.length - 1] as {paging_token: string}).paging_token : cursor;
      const hook = this.duringRead;
      this.duringRead = null;
      hook?.();
      return {status: 200, contentType: "application/hal+json", body: JSON.stringify({_links: {next: {href: `/payments?cursor=${last}&limit=${limit}`}}, _embedded: {records}})};
    },
  };
}

function response() {
  const state = {written: "", ended: false};
  const res = {
    cork: (cb: () => void) => {
      cb();
      return res;
    },
    writeStatus: () => res,
    writeHeader: () => res,
    write: (chunk: string | Buffer) => {
      state.written += chunk.toString();
      return true;
    },
    end: (chunk?: string) => {
      if (chunk !== undefined) state.written += chunk;
      state.ended = true;
      return res;
    },
    close: () => res,
    onWritable: () => res,
  };
  return {res: res as unknown as StreamRequest["res"], state};
}

/** The ids of the record events written, in order. */
function ids(written: string): string[] {
  return [...written.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
}

/** Lets a stream's awaited reads and catch-up steps run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup(retain: number, ledgers: number, pages = {defaultPageLimit: 50, maxPageLimit: 4}, fanOutSliceStreams = 50) {
  const chain = new Chain(retain);
  for (let i = 0; i < ledgers; i++) chain.close();
  const streams = new SseStreams({heartbeatMs: 60_000, fanOutSliceStreams}, {feed: chain.feed as unknown as EventFeed, ...pages, log: {error: () => {}}});
  streams.start();
  const open = async (query: string, lastEventId = "") => {
    const {res, state} = response();
    const ctx = {
      base: "http://x",
      params: [],
      query: new URLSearchParams(query),
      path: "/payments",
      accept: "text/event-stream",
      modules: {reader: {latestHeader: () => ({seq: chain.latest})}},
    } as unknown as RouteContext;
    const reply = await streams.open({route: chain.route, ctx, lastEventId, res, onAbort: () => {}});
    await settle();
    return {reply, state};
  };
  return {chain, streams, open};
}

describe("SSE streams from the feed's kept ledgers", () => {
  // Ledgers 1..20 committed; the feed keeps 16..20.
  it("a cursor just inside the kept ledgers reads no history page: the records after it, then live ones", async () => {
    const {chain, streams, open} = setup(5, 20);
    const cursor = tokenOf(16, 1);
    const s = await open(`cursor=${cursor}`);
    assert.equal(s.reply, null);
    // Only the one-record parameter check reached the route.
    assert.deepEqual(chain.reads, [1]);
    assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 0});
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    // Each record's event exactly as the GET's record framed.
    assert.ok(s.state.written.includes(eventFrame(tokenOf(21, 0), jsonOf(tokenOf(21, 0)))));
    streams.stop();
  });

  it("a cursor exactly at the oldest kept ledger's start is served from it whole", async () => {
    const {chain, streams, open} = setup(5, 20);
    const cursor = toid(16, 0, 0);
    const s = await open(`cursor=${cursor}`);
    assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 0});
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    assert.equal(ids(s.state.written)[0], tokenOf(16, 0));
    streams.stop();
  });

  it("a cursor just outside (the last record before the oldest kept ledger) pages history, then switches to the kept ledgers", async () => {
    const {chain, streams, open} = setup(5, 20);
    const cursor = tokenOf(15, PER_LEDGER - 1);
    const s = await open(`cursor=${cursor}`);
    // One page of 4 from history (16's records are in it), then the rest from the kept ledgers.
    assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 1});
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    streams.stop();
  });

  it("a cursor further back pages history up to the kept ledgers, then takes the rest from them, no gap, no duplicate", async () => {
    const {chain, streams, open} = setup(5, 20);
    const cursor = tokenOf(10, PER_LEDGER - 1);
    const s = await open(`cursor=${cursor}`);
    const counts = streams.catchUpCounts();
    assert.equal(counts.window, 1);
    // 15 records of ledgers 11..15 in pages of 4: the fourth page reaches into ledger 16.
    assert.equal(counts.pages, 4);
    chain.close();
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    streams.stop();
  });

  it("`limit` ends each connection with the goodbye; reconnecting with Last-Event-ID resumes from the kept ledgers with nothing lost or repeated", async () => {
    const {chain, streams, open} = setup(5, 20, {defaultPageLimit: 10, maxPageLimit: 200});
    const start = tokenOf(16, 0);
    const got: string[] = [];
    for (let n = 0; n < 3; n++) {
      // The first connection starts from the cursor parameter, the next ones from Last-Event-ID.
      const s = n === 0 ? await open(`limit=4&cursor=${start}`) : await open("limit=4", got[got.length - 1]!);
      const sent = ids(s.state.written);
      assert.equal(sent.length, 4);
      assert.match(s.state.written, /byebye/);
      assert.ok(s.state.ended, "ended at its limit");
      got.push(...sent);
    }
    assert.deepEqual(got, chain.after(start).slice(0, 12));
    // No history page: each connection only checked its parameters.
    assert.equal(streams.catchUpCounts().pages, 0);
    streams.stop();
  });

  it("streams sent the same ledgers each get every record once, whether copied through the shared scratch (the first) or the list's pack", async () => {
    const {chain, streams, open} = setup(5, 20, {defaultPageLimit: 50, maxPageLimit: 200});
    const cursor = tokenOf(20, PER_LEDGER - 1);
    const all = [await open(`cursor=${cursor}`), await open(`cursor=${cursor}`), await open(`cursor=${cursor}`)];
    chain.close();
    chain.close();
    for (const s of all) {
      assert.deepEqual(ids(s.state.written), chain.after(cursor));
      for (const t of chain.after(cursor)) assert.ok(s.state.written.includes(eventFrame(t, jsonOf(t))));
    }
    streams.stop();
  });

  it("reconnections within one ledger check their parameters with the route once; the next ledger checks again", async () => {
    const {chain, streams, open} = setup(5, 20, {defaultPageLimit: 10, maxPageLimit: 200});
    const got: string[] = [];
    const connect = async (): Promise<void> => {
      const s = got.length === 0 ? await open(`limit=2&cursor=${tokenOf(18, 0)}`) : await open("limit=2", got[got.length - 1]!);
      got.push(...ids(s.state.written));
    };
    for (let n = 0; n < 3; n++) await connect();
    // Three connections, the same request: one check reached the route.
    assert.deepEqual(chain.reads, [1]);
    chain.close();
    await connect();
    assert.deepEqual(chain.reads, [1, 1]);
    assert.deepEqual(got, chain.after(tokenOf(18, 0)).slice(0, 8));
    // A request the route refuses is refused every time (nothing kept of it).
    for (let n = 0; n < 2; n++) await assert.rejects(open("limit=2&refuse=1", got[got.length - 1]!), (err: unknown) => err instanceof ApiError);
    assert.equal(chain.refused, 2);
    assert.equal(streams.count, 0);
    streams.stop();
  });

  it("a ledger closing while the parameter check runs is sent once", async () => {
    const {chain, streams, open} = setup(5, 20);
    const cursor = tokenOf(20, 0);
    chain.duringRead = () => chain.close();
    const s = await open(`cursor=${cursor}`);
    assert.equal(chain.latest, 21);
    assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 0});
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    streams.stop();
  });

  it("a ledger closing while a history page is read is sent once", async () => {
    const {chain, streams, open} = setup(2, 20, {defaultPageLimit: 50, maxPageLimit: 50});
    const cursor = tokenOf(12, 0);
    // The page holds up to ledger 20; ledger 21 is published after the page was read.
    chain.duringRead = () => chain.close();
    const s = await open(`cursor=${cursor}`);
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(cursor));
    streams.stop();
  });

  it("cursor=now sends only later ledgers' records, without reading history", async () => {
    const {chain, streams, open} = setup(5, 20);
    const s = await open("cursor=now");
    assert.deepEqual(ids(s.state.written), []);
    chain.close();
    assert.deepEqual(ids(s.state.written), chain.after(toid(20, 0xfffff, 0xfff)));
    assert.deepEqual(streams.catchUpCounts(), {window: 1, pages: 0});
    streams.stop();
  });

  it("a cursor that is no paging token gets the route's own 400 before any preamble", async () => {
    const {streams, open} = setup(5, 20);
    await assert.rejects(open("cursor=abc"), (err: unknown) => err instanceof ApiError && err.code === ApiErrorCode.BAD_REQUEST);
    await assert.rejects(open("", "99999999999999999999"), (err: unknown) => err instanceof ApiError && err.code === ApiErrorCode.BAD_REQUEST);
    assert.equal(streams.count, 0);
    streams.stop();
  });
});

describe("SSE fan-out in slices", () => {
  it("a ledger reaches the streams fanOutSliceStreams per turn; ledgers back to back arrive whole and in order", async () => {
    const {chain, streams, open} = setup(5, 20, {defaultPageLimit: 200, maxPageLimit: 200}, 2);
    const cursor = tokenOf(20, PER_LEDGER - 1);
    const all = [];
    for (let i = 0; i < 5; i++) all.push(await open(`cursor=${cursor}`));
    chain.close();
    // The first slice in the ledger's own turn, the next on the next turn.
    assert.deepEqual(
      all.map((s) => ids(s.state.written).length),
      [PER_LEDGER, PER_LEDGER, 0, 0, 0],
    );
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(
      all.map((s) => ids(s.state.written).length),
      [PER_LEDGER, PER_LEDGER, PER_LEDGER, PER_LEDGER, 0],
    );
    chain.close();
    chain.close();
    await settle();
    for (const s of all) assert.deepEqual(ids(s.state.written), chain.after(cursor));
    streams.stop();
  });

  it("a stream reconnecting while a ledger is half sent gets every record after its Last-Event-ID once", async () => {
    const {chain, streams, open} = setup(5, 20, {defaultPageLimit: 200, maxPageLimit: 200}, 1);
    const cursor = tokenOf(19, 0);
    const first = await open(`cursor=${cursor}`);
    const second = await open(`cursor=${cursor}`);
    chain.close();
    // The second stream's turn in ledger 21 is still to come; a reconnection from its last id and a new stream open meanwhile.
    const got = ids(second.state.written);
    assert.deepEqual(got, chain.after(cursor).filter((t) => BigInt(t) < BigInt(toid(21, 0, 0))));
    const again = await open("", got[got.length - 1]!);
    const third = await open(`cursor=${cursor}`);
    chain.close();
    await settle();
    assert.deepEqual(ids(first.state.written), chain.after(cursor));
    assert.deepEqual(ids(again.state.written), chain.after(got[got.length - 1]!));
    assert.deepEqual(ids(second.state.written), chain.after(cursor));
    assert.deepEqual(ids(third.state.written), chain.after(cursor));
    streams.stop();
  });

  it("refuses a slice of no streams", () => {
    assert.throws(() => new SseStreams({fanOutSliceStreams: 0}, {defaultPageLimit: 10, maxPageLimit: 200, log: {error: () => {}}}), /fanOutSliceStreams/);
  });
});
