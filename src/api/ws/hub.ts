/**
 * /ws: WebSocket streams on the API's uWS app. Each subscription listens on one channel (a uWS
 * pub/sub topic); a channel's frame for a ledger is built and serialised once and handed to uWS,
 * which copies it to every subscriber, so the cost per ledger grows with the number of distinct
 * channels, not of sockets.
 *
 * Backpressure: uWS drops a published frame for a socket past `maxBackpressure`, which would lose
 * events silently. So that hard cap is set far above `slowConsumerBytes`, and a socket whose send
 * buffer passes the soft limit (beyond its channels' latest frames) leaves all its channels at once (nothing more is queued for it),
 * and is closed with 4008 once what was already queued has been written: the close frame comes
 * after the last record the client will get, and the client resubscribes from that record's
 * paging token, losing nothing. (Closing at once would let uWS cut the connection with its
 * backlog unsent when the client does not answer the close in time, a 1006 with no code.)
 */
import type {TemplatedApp, WebSocket} from "@trufflesuite/uws-js-unofficial";
import type {Logger} from "pino";
import type {Metrics} from "../../metrics/metrics.js";
import {WsCloseCode, WsProtocolError, parseClientMessage, type Subscription} from "./protocol.js";
import {defaultWsOptions, type WsOptions} from "./options.js";
import type {WsEndpoint} from "../interface.js";
import type {EventFeed, LedgerEvent} from "../stream/interface.js";
import {ReplayError, bookFrame, bookTouched, ledgerOfToken, recordsFrame, recordsFrameBytes, replayPage, selectItems, type ApiAccess, type StreamItem} from "./streams.js";
import {compareTokens} from "../stream/sse.js";
import {parseToid} from "../format/toid.js";

interface SocketData {
  id: number;
  subs: Map<string, Subscription>;
  /** Channels this socket is subscribed to in uWS (a replaying subscription is not, yet). */
  listening: Set<string>;
  closed: boolean;
  /** Left its channels for being slow; closed with 4008 once its buffer has drained. */
  evicted: boolean;
  /** Resolved at the next drain (a replay waiting for the send buffer to empty). */
  drainWaiters: Array<() => void>;
}

type Socket = WebSocket<SocketData>;

/** Frames of the metrics topic come from here (the dashboard's sampler). */
export interface MetricsFrameSource {
  onFrame(cb: (frame: {type: "metrics"}) => void): void;
}

export interface WsHubModules {
  metrics: Pick<Metrics, "streamSubscribers" | "wsMessagesSent" | "wsSlowClosed" | "streamLagSeconds">;
  log: Logger;
  /** Source of the metrics topic; absent: subscribing to it is refused. */
  metricsSource?: MetricsFrameSource;
  /** Each closed ledger's records; absent: only the metrics topic is served. */
  feed?: EventFeed;
  /** The last ledger whose records are readable when the hub starts (the feed publishes the ones after). */
  lastLedger(): number;
}

const SLOW_REASON = "slow consumer: resubscribe from your last paging token";

export class WsHub implements WsEndpoint {
  private readonly opts: WsOptions;
  private app: TemplatedApp | null = null;
  private readonly sockets = new Set<Socket>();
  /** Subscriptions per channel (with one of them to read the filters), so a ledger builds frames only for channels someone listens on. */
  private readonly channels = new Map<string, {count: number; sub: Subscription; lastFrameBytes: number}>();
  /**
   * The last ledger the feed published (or readable at start). A channel's history is replayed up
   * to `boundFor(channel)`, which trails it while the channel's frame of a ledger is yet to go
   * out; later ledgers arrive live.
   */
  private lastLedger: number;
  /** Ledgers received and not yet fanned out to every channel, oldest first. */
  private readonly fanOutQueue: LedgerEvent[] = [];
  /** The ledger being fanned out: the channels listened on when it started, how many were done, and when the feed got it. */
  private fanOut: {e: LedgerEvent; channels: string[]; next: number; position: Map<string, number>; arrived: number} | null = null;
  private api: ApiAccess | null = null;
  private nextId = 1;
  private checkTimer: NodeJS.Timeout | null = null;
  /** Replay frames sent from the feed's kept ledgers. */
  private replayedFromFeed = 0;
  /** A send-buffer check is due at the end of this loop iteration (one for all the frames published in it). */
  private checkDue = false;

  constructor(
    opts: Partial<WsOptions>,
    private readonly modules: WsHubModules,
  ) {
    this.opts = {...defaultWsOptions, ...opts};
    this.countConnections();
    this.lastLedger = modules.lastLedger();
    modules.metricsSource?.onFrame((frame) => this.publish("metrics", JSON.stringify(frame)));
    modules.feed?.subscribe((e) => this.onLedger(e));
  }

  attach(app: TemplatedApp, api: ApiAccess): void {
    this.app = app;
    this.api = api;
    app.ws<SocketData>(this.opts.path, {
      maxPayloadLength: this.opts.maxMessageBytes,
      maxBackpressure: this.opts.hardBackpressureBytes,
      closeOnBackpressureLimit: 1,
      idleTimeout: this.opts.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const data: SocketData = {id: this.nextId++, subs: new Map(), listening: new Set(), closed: false, evicted: false, drainWaiters: []};
        res.upgrade(data, req.getHeader("sec-websocket-key"), req.getHeader("sec-websocket-protocol"), req.getHeader("sec-websocket-extensions"), context);
      },
      open: (ws) => {
        this.sockets.add(ws);
        this.countConnections();
      },
      message: (ws, message) => this.onMessage(ws, Buffer.from(message).toString("utf8")),
      drain: (ws) => {
        const data = ws.getUserData();
        if (data.evicted) {
          if (ws.getBufferedAmount() === 0) this.end(ws, WsCloseCode.SLOW_CONSUMER, SLOW_REASON);
          return;
        }
        for (const w of data.drainWaiters.splice(0)) w();
      },
      close: (ws) => {
        const data = ws.getUserData();
        data.closed = true;
        for (const channel of data.listening) this.release(channel);
        data.listening.clear();
        data.subs.clear();
        for (const w of data.drainWaiters.splice(0)) w();
        this.sockets.delete(ws);
        this.countConnections();
      },
    });
    if (!Number.isInteger(this.opts.fanOutSliceChannels) || this.opts.fanOutSliceChannels < 1) throw new RangeError("fanOutSliceChannels must be a whole number ≥ 1");
    this.checkTimer = setInterval(() => this.closeSlowConsumers(), this.opts.checkIntervalMs);
    this.checkTimer.unref();
  }

  detach(): void {
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    this.checkTimer = null;
    for (const ws of [...this.sockets]) this.end(ws, WsCloseCode.GOING_AWAY, "server stopping");
    this.app = null;
    this.fanOutQueue.length = 0;
    this.fanOut = null;
  }

  get connections(): number {
    return this.sockets.size;
  }

  private countConnections(): void {
    this.modules.metrics.streamSubscribers.set({transport: "ws"}, this.sockets.size);
  }

  /**
   * Queues the ledger for its fan-out: each listened channel's records of the ledger, serialised
   * once and published, `fanOutSliceChannels` channels per event-loop turn, one ledger after the
   * other.
   */
  private onLedger(e: LedgerEvent): void {
    this.lastLedger = e.ledger;
    // With nobody listening and nothing in flight, nobody can need the ledger live (a subscription joining later replays it).
    if (this.api === null || (this.channels.size === 0 && this.fanOut === null)) return;
    this.fanOutQueue.push(e);
    if (this.fanOut === null) this.startFanOut();
  }

  private startFanOut(): void {
    const e = this.fanOutQueue.shift();
    if (e === undefined || this.api === null) {
      this.fanOut = null;
      return;
    }
    const channels: string[] = [];
    const position = new Map<string, number>();
    for (const [channel, {sub}] of this.channels) {
      if (sub.topic === "metrics") continue;
      position.set(channel, channels.length);
      channels.push(channel);
    }
    this.fanOut = {e, channels, next: 0, position, arrived: e.publishedAt ?? performance.now()};
    this.fanOutSlice();
  }

  /** Publishes the next slice of the current ledger's channels; the rest (and the next ledger) on later turns. */
  private fanOutSlice(): void {
    const f = this.fanOut;
    const api = this.api;
    if (f === null || api === null) return;
    const end = Math.min(f.channels.length, f.next + this.opts.fanOutSliceChannels);
    let topics;
    for (; f.next < end; f.next++) {
      const channel = f.channels[f.next]!;
      // A channel nobody listens on any more (or whose subscribers left and came back: the one now there) is read live.
      const c = this.channels.get(channel);
      if (c === undefined) continue;
      const sub = c.sub;
      if (sub.topic === "order_book") {
        if (bookTouched(f.e, sub)) this.publish(channel, bookFrame(api, sub, f.e.ledger));
        continue;
      }
      topics ??= f.e.topicsFor(api.base());
      const items = selectItems(topics, sub);
      if (items.length > 0) this.publish(channel, recordsFrameBytes(sub, f.e.ledger, items));
    }
    if (f.next < f.channels.length) {
      setImmediate(() => this.fanOutSlice());
      return;
    }
    this.modules.metrics.streamLagSeconds.observe((performance.now() - f.arrived) / 1000);
    if (this.fanOutQueue.length === 0) {
      this.fanOut = null;
      return;
    }
    setImmediate(() => this.startFanOut());
  }

  /**
   * The last ledger whose records `channel` has been sent (or, for a channel no fan-out will
   * reach, would have been): what a subscription joining it now must replay up to. A ledger being
   * fanned out counts once the channel's turn is past, or when the channel was not listened on as
   * it started; a queued ledger reaches every channel listened on when its fan-out starts.
   */
  private boundFor(channel: string): number {
    const f = this.fanOut;
    if (f === null) return this.lastLedger;
    const at = f.position.get(channel);
    return at !== undefined && at >= f.next ? f.e.ledger - 1 : f.e.ledger;
  }

  /** One serialised frame to every subscriber of `channel` (uWS copies it in the call), then a check of the send buffers. */
  private publish(channel: string, text: string | Buffer): void {
    const app = this.app;
    const c = this.channels.get(channel);
    if (app === null || c === undefined) return;
    app.publish(channel, text);
    c.lastFrameBytes = typeof text === "string" ? Buffer.byteLength(text, "utf8") : text.length;
    this.modules.metrics.wsMessagesSent.inc();
    // Published frames reach the sockets' buffers at the end of this loop iteration; one check
    // then covers every channel published in it (a check per frame would scan every socket per channel).
    if (!this.checkDue) {
      this.checkDue = true;
      setImmediate(() => {
        this.checkDue = false;
        this.closeSlowConsumers();
      });
    }
  }

  /**
   * Evicts the sockets more than `slowConsumerBytes` behind their channels' latest frames. A
   * socket may hold the last frame of each channel it listens on unsent on top of the limit: a
   * firehose channel's frame of one busy ledger is megabytes (~940 bytes per payment), larger
   * than the limit and than what the kernel takes in one write, so a consumer reading as fast as
   * it can was closed with 4008 right after the publish (the streams bench's 10 unfiltered
   * subscribers at ~6,000 payments per ledger). One that has not taken the frames before them is
   * behind by a ledger and more, and still goes.
   */
  private closeSlowConsumers(): void {
    for (const ws of this.sockets) {
      const data = ws.getUserData();
      if (data.closed || data.evicted || data.subs.size === 0) continue;
      const buffered = ws.getBufferedAmount();
      if (buffered <= this.opts.slowConsumerBytes) continue;
      let latest = 0;
      for (const channel of data.listening) latest += this.channels.get(channel)?.lastFrameBytes ?? 0;
      if (buffered > this.opts.slowConsumerBytes + latest) this.evict(ws);
    }
  }

  /** Stops everything for a slow socket; the 4008 close follows its backlog (see the drain handler). */
  private evict(ws: Socket): void {
    const data = ws.getUserData();
    data.evicted = true;
    this.modules.metrics.wsSlowClosed.inc();
    this.modules.log.info({socket: data.id, buffered: ws.getBufferedAmount()}, "ws slow consumer evicted");
    for (const channel of data.listening) {
      ws.unsubscribe(channel);
      this.release(channel);
    }
    data.listening.clear();
    data.subs.clear();
    for (const w of data.drainWaiters.splice(0)) w();
  }

  private end(ws: Socket, code: number, reason: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    data.closed = true;
    ws.end(code, reason);
  }

  private send(ws: Socket, value: unknown): void {
    if (ws.getUserData().closed) return;
    ws.send(JSON.stringify(value), false);
    this.modules.metrics.wsMessagesSent.inc();
  }

  private onMessage(ws: Socket, text: string): void {
    if (ws.getUserData().evicted) return;
    let msg;
    try {
      msg = parseClientMessage(text);
    } catch (err) {
      if (!(err instanceof WsProtocolError)) throw err;
      this.send(ws, {type: "error", id: err.id, code: err.code, message: err.message});
      return;
    }
    const data = ws.getUserData();
    if (msg.op === "unsubscribe") {
      const s = data.subs.get(msg.id);
      if (s === undefined) {
        this.send(ws, {type: "error", id: msg.id, code: "not_found", message: "no subscription with this id"});
        return;
      }
      data.subs.delete(msg.id);
      // One subscription per channel per socket (subscribe refuses a second).
      if (data.listening.delete(s.channel)) {
        ws.unsubscribe(s.channel);
        this.release(s.channel);
      }
      this.send(ws, {type: "unsubscribed", id: msg.id});
      return;
    }
    const sub = msg.sub;
    const refuse = (message: string): void => this.send(ws, {type: "error", id: sub.id, code: "bad_request", message});
    if (data.subs.has(sub.id)) return refuse("a subscription with this id is open");
    if (data.subs.size >= this.opts.maxSubscriptionsPerSocket) return refuse(`at most ${this.opts.maxSubscriptionsPerSocket} subscriptions per connection`);
    if ([...data.subs.values()].some((o) => o.channel === sub.channel)) return refuse(`already subscribed to ${sub.channel}`);
    if (sub.topic === "metrics" && this.modules.metricsSource === undefined) return refuse("this node publishes no metrics");
    if (sub.topic !== "metrics" && (this.modules.feed === undefined || this.api === null)) return refuse("this node streams no ledger events");
    data.subs.set(sub.id, sub);
    this.send(ws, {type: "subscribed", id: sub.id, topic: sub.topic, channel: sub.channel, ledger: this.boundFor(sub.channel)});
    if (sub.topic === "order_book") {
      // As Horizon's stream, the book as it stands first, then again whenever a ledger changes it.
      ws.send(bookFrame(this.api!, sub, this.lastLedger), false);
      this.listen(ws, sub);
      return;
    }
    if (sub.topic === "metrics" || sub.cursor === undefined) {
      this.listen(ws, sub);
      return;
    }
    void this.replayThenListen(ws, sub);
  }

  /**
   * Up to `replayPageSize` of the subscription's records after `cursor` from the feed's kept
   * ledgers (every ledger the hub has published from the cursor's on), or undefined when the
   * feed no longer keeps the cursor's ledger. Empty: nothing after the cursor was published yet.
   */
  private keptAfter(sub: Subscription, cursor: string): StreamItem[] | undefined {
    // Only a cursor the topic's route accepts (a TOID; "TOID-n" for effects and trades): any
    // other is left to the history read, which answers it with the route's own error.
    const [head, order] = cursor.split("-");
    if (parseToid(head!) === undefined || (order !== undefined && ((sub.topic !== "effects" && sub.topic !== "trades") || order.length > 10))) return undefined;
    const events = this.modules.feed?.since?.(ledgerOfToken(cursor));
    if (events === undefined || this.api === null) return undefined;
    const bound = this.boundFor(sub.channel);
    const out: StreamItem[] = [];
    for (const e of events) {
      // Later ledgers reach the channel live.
      if (e.ledger > bound) break;
      for (const item of selectItems(e.topicsFor(this.api.base()), sub)) {
        if (compareTokens(item.token, cursor) <= 0) continue;
        out.push(item);
        if (out.length === this.opts.replayPageSize) return out;
      }
    }
    return out;
  }

  /** Subscriptions resumed from the feed's kept ledgers (frames sent without a history read), for tests and logs. */
  get keptReplays(): number {
    return this.replayedFromFeed;
  }

  private listen(ws: Socket, sub: Subscription): void {
    const data = ws.getUserData();
    if (data.closed || data.evicted) return;
    data.listening.add(sub.channel);
    const c = this.channels.get(sub.channel);
    if (c === undefined) this.channels.set(sub.channel, {count: 1, sub, lastFrameBytes: 0});
    else c.count++;
    ws.subscribe(sub.channel);
  }

  private release(channel: string): void {
    const c = this.channels.get(channel);
    if (c === undefined) return;
    if (--c.count <= 0) this.channels.delete(channel);
  }

  /**
   * Sends the history after the cursor page by page (the route's own pages), waiting for the
   * socket to drain whenever its buffer passes half the limit, up to the last ledger the feed
   * published; then joins the channel in the same synchronous step, so the next ledger event is
   * the first ledger not replayed: no gap, no duplicate. A ledger published while a page was
   * being read moves the bound, and the loop reads on. Once the cursor is in a ledger the feed
   * still keeps, the rest comes from the kept records (formatted once for every stream), not
   * from history.
   */
  private async replayThenListen(ws: Socket, sub: Subscription): Promise<void> {
    const api = this.api!;
    const data = ws.getUserData();
    let cursor = sub.cursor!;
    const live = (): boolean => !data.closed && data.subs.get(sub.id) === sub;
    try {
      for (;;) {
        if (!live()) return;
        const kept = this.keptAfter(sub, cursor);
        if (kept !== undefined) {
          // The feed still holds every ledger after the cursor: its records, no history read.
          if (kept.length === 0) break;
          this.replayedFromFeed++;
          ws.send(recordsFrameBytes(sub, null, kept), false);
          this.modules.metrics.wsMessagesSent.inc();
          cursor = kept[kept.length - 1]!.token;
          if (ws.getBufferedAmount() > this.opts.slowConsumerBytes / 2) await new Promise<void>((resolve) => data.drainWaiters.push(resolve));
          continue;
        }
        const bound = this.boundFor(sub.channel);
        const page = await replayPage(api, sub, cursor, this.opts.replayPageSize, bound);
        if (!live()) return;
        if (page.items.length > 0) {
          ws.send(recordsFrame(sub, null, page.items), false);
          this.modules.metrics.wsMessagesSent.inc();
          cursor = page.items[page.items.length - 1]!.token;
        }
        if (page.done && bound === this.boundFor(sub.channel)) break;
        if (ws.getBufferedAmount() > this.opts.slowConsumerBytes / 2) await new Promise<void>((resolve) => data.drainWaiters.push(resolve));
      }
    } catch (err) {
      if (!(err instanceof ReplayError)) this.modules.log.error({err, socket: data.id, channel: sub.channel}, "ws replay failed");
      const message = err instanceof ReplayError ? err.detail : "replay failed; the failure is logged";
      this.send(ws, {type: "error", id: sub.id, code: err instanceof ReplayError && err.status < 500 ? "bad_request" : "server_error", message});
      data.subs.delete(sub.id);
      return;
    }
    this.send(ws, {type: "caught_up", id: sub.id, channel: sub.channel, cursor, ledger: this.boundFor(sub.channel)});
    this.listen(ws, sub);
  }
}
