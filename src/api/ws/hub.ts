/**
 * /ws: WebSocket streams on the API's uWS app. Each subscription listens on one channel (a uWS
 * pub/sub topic); a channel's frame for a ledger is built and serialised once and handed to uWS,
 * which copies it to every subscriber, so the cost per ledger grows with the number of distinct
 * channels, not of sockets.
 *
 * Backpressure: uWS drops a published frame for a socket past `maxBackpressure`, which would lose
 * events silently. So that hard cap is set far above `slowConsumerBytes`, and every socket whose
 * send buffer passes the soft limit is closed with 4008 before it could reach the cap; the
 * client resubscribes with the last paging token it received and loses nothing.
 */
import type {TemplatedApp, WebSocket} from "@trufflesuite/uws-js-unofficial";
import type {Logger} from "pino";
import type {Metrics} from "../../metrics/metrics.js";
import {WsCloseCode, WsProtocolError, parseClientMessage, type Subscription} from "./protocol.js";
import {defaultWsOptions, type WsOptions} from "./options.js";
import type {WsEndpoint} from "../interface.js";
import type {WsReplay} from "./replay.js";

interface SocketData {
  id: number;
  subs: Map<string, Subscription>;
  closed: boolean;
  /** Resolved at the next drain (a replay waiting for the send buffer to empty). */
  drainWaiters: Array<() => void>;
}

type Socket = WebSocket<SocketData>;

/** Frames of the metrics topic come from here (the dashboard's sampler). */
export interface MetricsFrameSource {
  onFrame(cb: (frame: {type: "metrics"}) => void): void;
}

export interface WsHubModules {
  metrics: Pick<Metrics, "streamSubscribers" | "wsMessagesSent" | "wsSlowClosed">;
  log: Logger;
  /** Source of the metrics topic; absent: subscribing to it is refused. */
  metricsSource?: MetricsFrameSource;
  /** History replay and live ledger events; absent: only the metrics topic is served. */
  replay?: WsReplay;
}

export class WsHub implements WsEndpoint {
  private readonly opts: WsOptions;
  private app: TemplatedApp | null = null;
  private readonly sockets = new Set<Socket>();
  /** Subscriptions per channel, so a ledger builds frames only for channels someone listens on. */
  private readonly channels = new Map<string, number>();
  private nextId = 1;
  private checkTimer: NodeJS.Timeout | null = null;

  constructor(
    opts: Partial<WsOptions>,
    private readonly modules: WsHubModules,
  ) {
    this.opts = {...defaultWsOptions, ...opts};
    this.countConnections();
    modules.metricsSource?.onFrame((frame) => this.publish("metrics", JSON.stringify(frame)));
    modules.replay?.onLedger((frames) => {
      for (const [channel, text] of frames(this.channels.keys())) this.publish(channel, text);
    });
  }

  attach(app: TemplatedApp): void {
    this.app = app;
    app.ws<SocketData>(this.opts.path, {
      maxPayloadLength: this.opts.maxMessageBytes,
      maxBackpressure: this.opts.hardBackpressureBytes,
      closeOnBackpressureLimit: 1,
      idleTimeout: this.opts.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const data: SocketData = {id: this.nextId++, subs: new Map(), closed: false, drainWaiters: []};
        res.upgrade(data, req.getHeader("sec-websocket-key"), req.getHeader("sec-websocket-protocol"), req.getHeader("sec-websocket-extensions"), context);
      },
      open: (ws) => {
        this.sockets.add(ws);
        this.countConnections();
      },
      message: (ws, message) => this.onMessage(ws, Buffer.from(message).toString("utf8")),
      drain: (ws) => {
        const waiters = ws.getUserData().drainWaiters.splice(0);
        for (const w of waiters) w();
      },
      close: (ws) => {
        const data = ws.getUserData();
        data.closed = true;
        for (const s of data.subs.values()) this.release(s.channel);
        data.subs.clear();
        for (const w of data.drainWaiters.splice(0)) w();
        this.sockets.delete(ws);
        this.countConnections();
      },
    });
    this.checkTimer = setInterval(() => this.closeSlowConsumers(), this.opts.checkIntervalMs);
    this.checkTimer.unref();
  }

  detach(): void {
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    this.checkTimer = null;
    for (const ws of [...this.sockets]) this.end(ws, WsCloseCode.GOING_AWAY, "server stopping");
    this.app = null;
  }

  get connections(): number {
    return this.sockets.size;
  }

  private countConnections(): void {
    this.modules.metrics.streamSubscribers.set({transport: "ws"}, this.sockets.size);
  }

  /** One serialised frame to every subscriber of `channel`, then a check of the send buffers. */
  private publish(channel: string, text: string): void {
    const app = this.app;
    if (app === null || !this.channels.has(channel)) return;
    app.publish(channel, text);
    this.modules.metrics.wsMessagesSent.inc();
    // Published frames reach the sockets' buffers at the end of this loop iteration.
    setImmediate(() => this.closeSlowConsumers());
  }

  private closeSlowConsumers(): void {
    for (const ws of this.sockets) {
      const data = ws.getUserData();
      if (data.closed || data.subs.size === 0) continue;
      if (ws.getBufferedAmount() > this.opts.slowConsumerBytes) {
        this.modules.metrics.wsSlowClosed.inc();
        this.modules.log.info({socket: data.id, buffered: ws.getBufferedAmount()}, "ws slow consumer closed");
        this.end(ws, WsCloseCode.SLOW_CONSUMER, "slow consumer: resubscribe from your last paging token");
      }
    }
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
      this.release(s.channel);
      if (![...data.subs.values()].some((o) => o.channel === s.channel)) ws.unsubscribe(s.channel);
      this.send(ws, {type: "unsubscribed", id: msg.id});
      return;
    }
    const sub = msg.sub;
    const refuse = (message: string): void => this.send(ws, {type: "error", id: sub.id, code: "bad_request", message});
    if (data.subs.has(sub.id)) return refuse("a subscription with this id is open");
    if (data.subs.size >= this.opts.maxSubscriptionsPerSocket) return refuse(`at most ${this.opts.maxSubscriptionsPerSocket} subscriptions per connection`);
    if ([...data.subs.values()].some((o) => o.channel === sub.channel)) return refuse(`already subscribed to ${sub.channel}`);
    if (sub.topic === "metrics" && this.modules.metricsSource === undefined) return refuse("this node publishes no metrics");
    if (sub.topic !== "metrics" && this.modules.replay === undefined) return refuse("this node streams no ledger events");
    data.subs.set(sub.id, sub);
    this.send(ws, {type: "subscribed", id: sub.id, topic: sub.topic, channel: sub.channel});
    if (sub.topic === "metrics" || sub.cursor === undefined) {
      this.listen(ws, sub);
      return;
    }
    void this.replayThenListen(ws, sub);
  }

  private listen(ws: Socket, sub: Subscription): void {
    if (ws.getUserData().closed) return;
    this.channels.set(sub.channel, (this.channels.get(sub.channel) ?? 0) + 1);
    ws.subscribe(sub.channel);
  }

  private release(channel: string): void {
    const n = (this.channels.get(channel) ?? 0) - 1;
    if (n <= 0) this.channels.delete(channel);
    else this.channels.set(channel, n);
  }

  /**
   * Sends the history after the cursor page by page, waiting for the socket to drain whenever
   * its buffer passes the soft limit, up to the last ledger the feed published; then joins the
   * channel in the same synchronous step, so the next ledger event is the first not replayed.
   */
  private async replayThenListen(ws: Socket, sub: Subscription): Promise<void> {
    const replay = this.modules.replay!;
    const data = ws.getUserData();
    let cursor = sub.cursor!;
    try {
      for (;;) {
        if (data.closed || !data.subs.has(sub.id)) return;
        const page = replay.page(sub, cursor, this.opts.replayPageSize);
        if (page.frame !== null) {
          ws.send(page.frame, false);
          this.modules.metrics.wsMessagesSent.inc();
          cursor = page.cursor;
        }
        if (page.done) break;
        if (ws.getBufferedAmount() > this.opts.slowConsumerBytes / 2) await new Promise<void>((resolve) => data.drainWaiters.push(resolve));
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.modules.log.error({err, socket: data.id, channel: sub.channel}, "ws replay failed");
      this.send(ws, {type: "error", id: sub.id, code: "server_error", message: "replay failed; the failure is logged"});
      data.subs.delete(sub.id);
      return;
    }
    if (data.closed || !data.subs.has(sub.id)) return;
    this.send(ws, {type: "caught_up", id: sub.id, channel: sub.channel, cursor});
    this.listen(ws, sub);
  }
}
