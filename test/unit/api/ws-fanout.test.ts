/**
 * /ws fans a ledger out `fanOutSliceChannels` channels per event-loop turn. Driven with a uWS
 * stand-in (pub/sub by channel, frames recorded per socket) and a feed that keeps its ledgers:
 * a ledger's channels are published over several turns; ledgers published back to back reach
 * each channel whole and in order; a subscription resuming from a token while a ledger is half
 * fanned out gets every record after its token exactly once, whether its channel's turn in that
 * ledger is past or still to come.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import pino from "pino";
import {WsHub} from "../../../src/api/ws/hub.js";
import type {ApiAccess} from "../../../src/api/ws/streams.js";
import type {EventFeed, LedgerEvent, LedgerEventListener} from "../../../src/api/stream/interface.js";
import {toid} from "../../../src/api/format/toid.js";

const ACCOUNTS = Array.from({length: 7}, () => Keypair.random().publicKey());

interface Rec {
  token: string;
  json: string;
  accounts: Set<string>;
}

/** Ledger `ledger`'s payments: one per account, in account order. */
function payments(ledger: number): Rec[] {
  return ACCOUNTS.map((a, i) => {
    const token = toid(ledger, i + 1, 1);
    return {token, json: JSON.stringify({paging_token: token, to: a}), accounts: new Set([a])};
  });
}

class Feed {
  readonly kept: LedgerEvent[] = [];
  private readonly listeners = new Set<LedgerEventListener>();
  ledger = 10;

  /** `publishedAt`: when the ledger's event says the feed got it (absent: not said). */
  publish(publishedAt?: number): void {
    const ledger = ++this.ledger;
    const list = payments(ledger);
    const topics = {payments: list, forAccount: (_t: string, a: string) => list.filter((r) => r.accounts.has(a))};
    const e = {ledger, topicsFor: () => topics, topics, changed: {accounts: new Set(), books: new Set(), offers: new Set()}, publishedAt} as unknown as LedgerEvent;
    this.kept.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  readonly api: EventFeed = {
    subscribe: (l) => {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    },
    get last() {
      return undefined;
    },
    since: (ledger) => {
      const oldest = this.kept[0];
      if (oldest === undefined || ledger < oldest.ledger) return undefined;
      return this.kept.slice(ledger - oldest.ledger);
    },
    subscriberCount: 0,
  };
}

interface FakeSocket {
  frames: {type: string; channel?: string; ledger?: number | null; records?: {paging_token: string}[]}[];
  channels: Set<string>;
  /** Bytes published to the socket and not yet read by its client (what uWS reports as buffered). */
  unread: number;
}

function harness(slice: number, slowConsumerBytes?: number) {
  const feed = new Feed();
  for (let i = 0; i < 3; i++) feed.publish();
  const metric = {set: () => {}, inc: () => {}, observe: () => {}};
  /** Publish lags the hub observed, in seconds. */
  const lags: number[] = [];
  const hub = new WsHub(
    {fanOutSliceChannels: slice, ...(slowConsumerBytes !== undefined ? {slowConsumerBytes} : {})},
    {
      metrics: {streamSubscribers: metric, wsMessagesSent: metric, wsSlowClosed: metric, streamLagSeconds: {observe: (v: number) => lags.push(v)}} as never,
      log: pino({level: "silent"}),
      feed: feed.api,
      lastLedger: () => feed.ledger,
    },
  );
  const sockets: FakeSocket[] = [];
  const published: string[] = [];
  let behavior: Record<string, (...a: unknown[]) => void> = {};
  const app = {
    ws: (_path: string, b: Record<string, (...a: unknown[]) => void>) => {
      behavior = b;
    },
    publish: (channel: string, message: string | Buffer) => {
      published.push(channel);
      for (const s of sockets) {
        if (!s.channels.has(channel)) continue;
        s.frames.push(JSON.parse(message.toString()));
        s.unread += Buffer.byteLength(message);
      }
    },
  };
  const api = {base: () => "http://x"} as unknown as ApiAccess;
  hub.attach(app as never, api);
  const connect = (): {socket: FakeSocket; send(msg: object): void} => {
    const socket: FakeSocket = {frames: [], channels: new Set(), unread: 0};
    let data: unknown;
    behavior.upgrade!({upgrade: (d: unknown) => (data = d)}, {getHeader: () => ""}, {});
    const ws = {
      getUserData: () => data,
      subscribe: (c: string) => socket.channels.add(c),
      unsubscribe: (c: string) => socket.channels.delete(c),
      send: (m: string | Buffer) => socket.frames.push(JSON.parse(m.toString())),
      end: () => {},
      getBufferedAmount: () => socket.unread,
    };
    behavior.open!(ws);
    sockets.push(socket);
    return {socket, send: (msg) => behavior.message!(ws, Buffer.from(JSON.stringify(msg)))};
  };
  return {feed, hub, connect, published, lags};
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await turn();
}

/** The tokens of the records a socket received, in order. */
function tokens(s: FakeSocket): string[] {
  return s.frames.filter((f) => f.type === "records").flatMap((f) => f.records!.map((r) => r.paging_token));
}

describe("ws fan-out in slices", () => {
  it("publishes a ledger's channels over several turns, each channel's ledgers whole and in order", async () => {
    const {feed, connect, published} = harness(2);
    const clients = ACCOUNTS.map((a, i) => {
      const c = connect();
      c.send({op: "subscribe", id: `s${i}`, topic: "payments", account: a});
      return c;
    });
    const fire = connect();
    fire.send({op: "subscribe", id: "all", topic: "payments"});
    await settle();
    feed.publish();
    // The first slice goes out in the ledger's own turn, the rest later.
    assert.equal(published.length, 2);
    await turn();
    assert.equal(published.length, 4);
    feed.publish();
    feed.publish();
    await settle();
    assert.equal(published.length, 3 * (ACCOUNTS.length + 1));
    const first = feed.ledger - 2;
    clients.forEach((c, i) => {
      assert.deepEqual(
        tokens(c.socket),
        [first, first + 1, first + 2].map((l) => toid(l, i + 1, 1)),
      );
      assert.deepEqual(
        c.socket.frames.filter((f) => f.type === "records").map((f) => f.ledger),
        [first, first + 1, first + 2],
      );
    });
    assert.deepEqual(tokens(fire.socket), [first, first + 1, first + 2].flatMap((l) => payments(l).map((r) => r.token)));
  });

  it("measures a ledger's publish lag from when the feed got it, not from when its fan-out started", async () => {
    const {feed, connect, lags} = harness(2);
    for (let i = 0; i < 3; i++) connect().send({op: "subscribe", id: `s${i}`, topic: "payments", account: ACCOUNTS[i]});
    await settle();
    // The feed got the ledger 400 ms before handing it out (its topics were prepared meanwhile).
    feed.publish(performance.now() - 400);
    await settle();
    assert.equal(lags.length, 1);
    assert.ok(lags[0]! >= 0.4 && lags[0]! < 10, `lag ${lags[0]} s`);
    // An event that does not say when the feed got it: from its arrival at the hub.
    feed.publish();
    await settle();
    assert.equal(lags.length, 2);
    assert.ok(lags[1]! < 0.4, `lag ${lags[1]} s`);
  });

  it("a subscription resuming while a ledger is half fanned out gets every record after its token once", async () => {
    const {feed, connect, published} = harness(2);
    for (let i = 0; i < ACCOUNTS.length; i++) connect().send({op: "subscribe", id: `s${i}`, topic: "payments", account: ACCOUNTS[i]});
    await settle();
    const cursorLedger = feed.ledger - 1;
    feed.publish();
    // Channels 0-1 done, 2-6 to come: one resume on a done channel, one on a channel still to come, one on a new channel (the firehose).
    assert.equal(published.length, 2);
    const done = connect();
    done.send({op: "subscribe", id: "d", topic: "payments", account: ACCOUNTS[0], cursor: toid(cursorLedger, 1, 1)});
    const pending = connect();
    pending.send({op: "subscribe", id: "p", topic: "payments", account: ACCOUNTS[5], cursor: toid(cursorLedger, 6, 1)});
    const fresh = connect();
    fresh.send({op: "subscribe", id: "f", topic: "payments", cursor: toid(cursorLedger, 3, 1)});
    await settle();
    feed.publish();
    await settle();
    const after = (account: number | undefined, cursor: string): string[] => {
      const out: string[] = [];
      for (let l = cursorLedger; l <= feed.ledger; l++) {
        for (const r of payments(l)) if (BigInt(r.token) > BigInt(cursor) && (account === undefined || r.accounts.has(ACCOUNTS[account]!))) out.push(r.token);
      }
      return out;
    };
    assert.deepEqual(tokens(done.socket), after(0, toid(cursorLedger, 1, 1)));
    assert.deepEqual(tokens(pending.socket), after(5, toid(cursorLedger, 6, 1)));
    assert.deepEqual(tokens(fresh.socket), after(undefined, toid(cursorLedger, 3, 1)));
    for (const s of [done, pending, fresh]) assert.ok(s.socket.frames.some((f) => f.type === "caught_up"));
  });

  it("keeps a socket that takes each ledger's frame, though one frame is larger than slowConsumerBytes", async () => {
    const {feed, connect} = harness(1000, 64);
    const fire = connect();
    fire.send({op: "subscribe", id: "all", topic: "payments"});
    await settle();
    for (let i = 0; i < 3; i++) {
      feed.publish();
      await settle();
      assert.ok(fire.socket.unread > 64, `frame of ${fire.socket.unread} bytes, past the limit`);
      assert.ok(fire.socket.channels.has("payments"), `still listening after ledger ${feed.ledger}`);
      // The client reads it all before the next ledger.
      fire.socket.unread = 0;
    }
    assert.equal(tokens(fire.socket).length, 3 * ACCOUNTS.length);
  });

  it("evicts a socket behind its channels' latest frames by more than slowConsumerBytes", async () => {
    const {feed, connect} = harness(1000, 64);
    const stuck = connect();
    stuck.send({op: "subscribe", id: "all", topic: "payments"});
    await settle();
    feed.publish();
    await settle();
    // One frame unread: it is the channel's latest.
    assert.ok(stuck.socket.channels.has("payments"));
    feed.publish();
    await settle();
    // The first ledger's frame is still unread under the second's: behind, and closed.
    assert.equal(stuck.socket.channels.size, 0);
    assert.equal(tokens(stuck.socket).length, 2 * ACCOUNTS.length);
  });

  it("refuses a slice of no channels", () => {
    assert.throws(() => harness(0), /fanOutSliceChannels/);
  });
});
