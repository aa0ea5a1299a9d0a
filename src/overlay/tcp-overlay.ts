/**
 * The overlay over TCP (node:net). Every connection starts with a handshake that proves both
 * sides hold their node keys: each sends `hello` (version, network id, node key, a fresh nonce),
 * then `auth`, an ed25519 signature over the network id and both nonces. Only then are messages
 * delivered. Refused: another network or version, a bad signature, a key other than the one
 * pinned for that address, the node itself, a peer already connected, a full listener.
 *
 * Flooded messages are delivered once. SCP envelopes are pushed to each peer at most once
 * (Floodgate); txs are flooded in pull mode (pull.ts: hashes advertised in batches, bodies sent
 * on demand), so a tx body reaches each node once. Re-flooding is the herder's call through
 * `broadcast`, after it has checked the message.
 */
import {createServer, connect, type Server, type Socket} from "node:net";
import {StrKey} from "@stellar/stellar-base";
import type {Logger} from "pino";
import type {Metrics} from "../metrics/metrics.js";
import type {NodeKey} from "../util/node-key.js";
import type {Overlay, OverlayMessage, PeerId} from "./interface.js";
import {OVERLAY_VERSION, authPayload, isFlooded, type PullMessage, type WireMessage} from "./codec.js";
import {Floodgate} from "./floodgate.js";
import {TxPull} from "./pull.js";
import {PeerConnection, type ConnectionEvents} from "./peer.js";
import {defaultOverlayOptions, type OverlayOptions} from "./options.js";
import {OverlayError, OverlayErrorCode} from "./errors.js";

/** A configured peer: where to dial it and, when pinned, the node key it must prove. */
export interface PeerAddress {
  host: string;
  port: number;
  /** G... key the peer must authenticate as; any key when absent. */
  key?: PeerId;
}

/** Parses "host:port" or "G...@host:port" (IPv6 hosts in brackets: "[::1]:11625"). */
export function parsePeerAddress(s: string): PeerAddress {
  const fail = (why: string) => new OverlayError(OverlayErrorCode.BAD_OPTION, `peer address "${s}": ${why}`, {address: s});
  let rest = s.trim();
  let key: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    key = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!StrKey.isValidEd25519PublicKey(key)) throw fail("the key before @ is not a G... node key");
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(rest);
  if (!m) throw fail("expected host:port");
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw fail("port must be 1..65535");
  return {host: (m[1] ?? m[2])!, port, ...(key !== undefined ? {key} : {})};
}

interface Dialer {
  target: PeerAddress;
  label: string;
  attempt: number;
  timer: NodeJS.Timeout | null;
  conn: PeerConnection | null;
  /** The key last seen at this address: while it is connected (either way), no need to dial. */
  lastKey: PeerId | undefined;
}

export class TcpOverlay implements Overlay {
  readonly opts: OverlayOptions;
  private readonly networkId: Buffer;
  private readonly selfId: PeerId;
  private readonly selfKey: Buffer;
  private server: Server | null = null;
  private running = false;
  /** Every open connection, authenticated or not. */
  private readonly conns = new Set<PeerConnection>();
  /** Authenticated connections by peer id: at most one per peer. */
  private readonly byId = new Map<PeerId, PeerConnection>();
  private readonly dialers: Dialer[];
  private readonly handshakeTimers = new Map<PeerConnection, NodeJS.Timeout>();
  private readonly listeners: Array<(peer: PeerId, msg: OverlayMessage) => void> = [];
  /** SCP envelopes' flood records (txs have their own in `pull`). */
  private readonly floodgate: Floodgate;
  private readonly pull: TxPull;
  private readonly events: ConnectionEvents;
  private boundPort = 0;

  constructor(
    opts: Partial<OverlayOptions> & {networkId: Buffer},
    private readonly modules: {nodeKey: NodeKey; log: Logger; metrics: Metrics},
  ) {
    const {networkId, ...rest} = opts;
    this.opts = {...defaultOverlayOptions, ...rest};
    if (networkId.length !== 32) throw new OverlayError(OverlayErrorCode.BAD_OPTION, "network id must be 32 bytes");
    for (const k of ["maxInbound", "maxOutbound", "maxFrameBytes", "maxQueueBytes", "maxQueueBytesHard", "handshakeTimeoutMs", "reconnectBaseMs", "reconnectMaxMs", "floodMaxEntries", "floodMaxAgeMs", "advertPeriodMs", "demandPeriodMs", "demandBackoffMs", "maxAdvertsPerPeer", "maxHeldBodies"] as const) {
      const v = this.opts[k];
      if (!Number.isSafeInteger(v) || v < 0) throw new OverlayError(OverlayErrorCode.BAD_OPTION, `overlay option ${k} must be a whole number ≥ 0, got ${v}`, {option: k});
    }
    this.networkId = networkId;
    this.selfId = modules.nodeKey.publicKey;
    this.selfKey = Buffer.from(StrKey.decodeEd25519PublicKey(this.selfId));
    this.dialers = this.opts.peers.map((s) => ({target: parsePeerAddress(s), label: s, attempt: 0, timer: null, conn: null, lastKey: undefined}));
    this.floodgate = new Floodgate(this.opts.floodMaxEntries, this.opts.floodMaxAgeMs);
    this.pull = new TxPull(
      this.opts,
      {
        peers: () => [...this.byId.keys()],
        send: (peer, msg, droppable) => {
          const c = this.byId.get(peer);
          return c !== undefined && this.write(c, msg, droppable);
        },
        deliver: (peer, envelope) => this.emit(peer, {type: "tx", envelope}),
      },
      modules.metrics,
    );
    this.events = {
      message: (c, m) => this.onWire(c, m),
      badFrame: (c, err) => {
        this.modules.metrics.overlayBadFrames.inc();
        this.modules.log.warn({peer: c.id, address: c.address, err: err.message}, "bad frame from peer; disconnecting");
        this.disconnect(c, "bad_frame", err.message);
      },
      closed: (c, reason) => this.onClosed(c, reason),
      slow: (c, queued) => {
        this.modules.metrics.overlayDisconnects.inc({reason: "slow_peer"});
        this.modules.log.warn({peer: c.id, address: c.address, queued}, "peer cannot keep up with its write queue; disconnecting");
      },
    };
  }

  /** The bound peer port (after start). */
  get port(): number {
    return this.boundPort;
  }

  get nodeId(): PeerId {
    return this.selfId;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.modules.log.error({err}, "peer listener failed"));
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr !== null ? addr.port : this.opts.port;
    this.modules.log.info({host: this.opts.host, port: this.boundPort, node: this.selfId, peers: this.opts.peers}, "overlay listening");
    for (const d of this.dialers) this.dial(d);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pull.stop();
    for (const d of this.dialers) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = null;
    }
    for (const c of [...this.conns]) c.close("overlay stopped");
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  onMessage(cb: (peer: PeerId, msg: OverlayMessage) => void): void {
    this.listeners.push(cb);
  }

  peers(): Array<{id: PeerId; address: string; inbound: boolean}> {
    return [...this.byId.values()].map((c) => ({id: c.id!, address: c.address, inbound: c.inbound}));
  }

  /** A tx is advertised (its body goes to the peers that demand it); anything else is pushed. */
  broadcast(msg: OverlayMessage, except?: PeerId): void {
    if (msg.type === "tx") {
      this.pull.advertise(msg.envelope, except);
      return;
    }
    const ids = [...this.byId.keys()];
    const targets = isFlooded(msg) ? this.floodgate.sendTo(Floodgate.keyOf(msg.type, msg.envelope), ids, except) : ids.filter((id) => id !== except);
    for (const id of targets) this.write(this.byId.get(id)!, msg, false);
  }

  send(peer: PeerId, msg: OverlayMessage): boolean {
    const c = this.byId.get(peer);
    if (c === undefined) return false;
    if (msg.type === "scp") this.floodgate.sendTo(Floodgate.keyOf(msg.type, msg.envelope), [peer]);
    return this.write(c, msg, msg.type === "tx");
  }

  /** Pull-mode flooding's queues and records (tests, status). */
  pullStats(): ReturnType<TxPull["stats"]> {
    return this.pull.stats();
  }

  // ---- connections

  private write(c: PeerConnection, msg: OverlayMessage | PullMessage, droppable: boolean): boolean {
    const outcome = c.write(msg, droppable);
    if (outcome === "sent") this.modules.metrics.overlayMessagesSent.inc({type: msg.type});
    else if (outcome === "dropped") this.modules.metrics.overlayDropped.inc({reason: "backpressure"});
    return outcome === "sent";
  }

  private accept(socket: Socket): void {
    const address = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    if (!this.running) {
      socket.destroy();
      return;
    }
    const inbound = [...this.conns].filter((c) => c.inbound).length;
    if (inbound >= this.opts.maxInbound) {
      this.modules.metrics.overlayHandshakeRefused.inc({reason: "inbound_limit"});
      this.modules.log.info({address, limit: this.opts.maxInbound}, "inbound peer refused: limit reached");
      const c = new PeerConnection(socket, true, address, this.opts, {...this.events, closed: () => undefined});
      c.refuse("inbound_limit", `this node accepts at most ${this.opts.maxInbound} inbound peers`);
      return;
    }
    this.open(socket, true, address);
  }

  private open(socket: Socket, inbound: boolean, address: string, dialer?: Dialer): PeerConnection {
    const c = new PeerConnection(socket, inbound, address, this.opts, this.events);
    this.conns.add(c);
    if (dialer) dialer.conn = c;
    this.handshakeTimers.set(
      c,
      setTimeout(() => this.refuse(c, "handshake_timeout", `no handshake within ${this.opts.handshakeTimeoutMs} ms`), this.opts.handshakeTimeoutMs),
    );
    c.write({type: "hello", version: OVERLAY_VERSION, network: this.networkId, node: this.selfKey, nonce: c.localNonce, port: this.boundPort}, false);
    return c;
  }

  private dial(d: Dialer): void {
    d.timer = null;
    if (!this.running || d.conn !== null) return;
    const connectedThere = d.lastKey !== undefined && this.byId.has(d.lastKey);
    const outbound = [...this.conns].filter((c) => !c.inbound).length;
    if (connectedThere || outbound >= this.opts.maxOutbound) {
      // Look again later: the peer may drop, or an outbound slot free up.
      d.timer = setTimeout(() => this.dial(d), this.opts.reconnectMaxMs);
      d.timer.unref();
      return;
    }
    const socket = connect({host: d.target.host, port: d.target.port});
    this.modules.metrics.overlayDials.inc();
    this.open(socket, false, `${d.target.host}:${d.target.port}`, d);
  }

  /** Exponential backoff with ±20% jitter, so peers restarted together do not redial in lockstep. */
  private scheduleDial(d: Dialer): void {
    if (!this.running || d.timer !== null) return;
    const base = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** Math.min(d.attempt, 20));
    d.attempt++;
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    d.timer = setTimeout(() => this.dial(d), delay);
  }

  private dialerOf(c: PeerConnection): Dialer | undefined {
    return c.inbound ? undefined : this.dialers.find((d) => d.conn === c);
  }

  private onClosed(c: PeerConnection, reason: string): void {
    this.conns.delete(c);
    const t = this.handshakeTimers.get(c);
    if (t) clearTimeout(t);
    this.handshakeTimers.delete(c);
    if (c.authenticated && c.id !== undefined && this.byId.get(c.id) === c) {
      this.byId.delete(c.id);
      this.pull.peerGone(c.id);
      this.modules.metrics.overlayPeers.dec({direction: c.inbound ? "inbound" : "outbound"});
      this.modules.log.info({peer: c.id, address: c.address, reason}, "peer disconnected");
    }
    const d = this.dialerOf(c);
    if (d) {
      d.conn = null;
      this.scheduleDial(d);
    }
    // A dialer idling because this peer was connected the other way dials again now.
    if (c.authenticated && this.running) {
      for (const other of this.dialers) {
        if (other === d || other.conn !== null || other.lastKey !== c.id || this.byId.has(c.id!)) continue;
        if (other.timer) clearTimeout(other.timer);
        other.timer = null;
        this.scheduleDial(other);
      }
    }
  }

  private disconnect(c: PeerConnection, metricReason: string, message: string): void {
    this.modules.metrics.overlayDisconnects.inc({reason: metricReason});
    c.refuse(metricReason, message);
  }

  /** A handshake refusal: counted, logged, told to the peer, connection closed. */
  private refuse(c: PeerConnection, reason: string, message: string): void {
    this.modules.metrics.overlayHandshakeRefused.inc({reason});
    this.modules.log.info({address: c.address, peer: c.id, reason, message}, "peer handshake refused");
    c.refuse(reason, message);
  }

  // ---- handshake and delivery

  private onWire(c: PeerConnection, msg: WireMessage): void {
    switch (msg.type) {
      case "hello":
        return this.onHello(c, msg);
      case "auth":
        return this.onAuth(c, msg.sig);
      case "error":
        this.modules.log.info({peer: c.id, address: c.address, code: msg.code, message: msg.message}, "peer closed the connection with an error");
        c.close(`peer error: ${msg.code}`);
        return;
      default:
        if (!c.authenticated) {
          this.events.badFrame(c, new OverlayError(OverlayErrorCode.BAD_FRAME, `"${msg.type}" before the handshake finished`));
          return;
        }
        return this.deliver(c, msg);
    }
  }

  private onHello(c: PeerConnection, m: Extract<WireMessage, {type: "hello"}>): void {
    if (c.remoteKey !== undefined) {
      this.events.badFrame(c, new OverlayError(OverlayErrorCode.BAD_FRAME, "second hello"));
      return;
    }
    if (m.version !== OVERLAY_VERSION) return this.refuse(c, "wrong_version", `overlay version ${m.version}; this node speaks ${OVERLAY_VERSION}`);
    if (!m.network.equals(this.networkId)) return this.refuse(c, "wrong_network", "the peer is on another network (network id differs)");
    const id = StrKey.encodeEd25519PublicKey(m.node);
    c.id = id;
    c.remoteKey = m.node;
    c.remoteNonce = m.nonce;
    c.listenPort = m.port;
    const d = this.dialerOf(c);
    if (d) d.lastKey = id;
    if (id === this.selfId || m.nonce.equals(c.localNonce)) return this.refuse(c, "self", "connected to itself");
    if (d?.target.key !== undefined && d.target.key !== id) {
      return this.refuse(c, "wrong_key", `${d.label} is pinned to ${d.target.key}, the peer says it is ${id}`);
    }
    if (this.keepsExisting(c, id)) return this.refuse(c, "duplicate", `already connected to ${id}`);
    const sig = this.modules.nodeKey.sign(authPayload(this.networkId, c.localNonce, m.nonce));
    c.write({type: "auth", sig}, false);
  }

  private onAuth(c: PeerConnection, sig: Buffer): void {
    if (c.remoteKey === undefined || c.remoteNonce === undefined || c.authenticated) {
      this.events.badFrame(c, new OverlayError(OverlayErrorCode.BAD_FRAME, c.authenticated ? "second auth" : "auth before hello"));
      return;
    }
    const id = c.id!;
    if (!this.modules.nodeKey.verifyFrom(id, authPayload(this.networkId, c.remoteNonce, c.localNonce), sig)) {
      return this.refuse(c, "bad_signature", "handshake signature does not verify with the announced node key");
    }
    // Two connections may have passed hello at once (both nodes dialing): decide again.
    if (this.keepsExisting(c, id)) return this.refuse(c, "duplicate", `already connected to ${id}`);
    const old = this.byId.get(id);
    if (old !== undefined) {
      this.modules.metrics.overlayHandshakeRefused.inc({reason: "duplicate"});
      old.refuse("duplicate", `replaced by the connection initiated by ${this.initiatorOf(c)}`);
    }
    const t = this.handshakeTimers.get(c);
    if (t) clearTimeout(t);
    this.handshakeTimers.delete(c);
    c.authenticated = true;
    this.byId.set(id, c);
    const d = this.dialerOf(c);
    if (d) d.attempt = 0;
    this.modules.metrics.overlayPeers.inc({direction: c.inbound ? "inbound" : "outbound"});
    this.modules.log.info({peer: id, address: c.address, inbound: c.inbound}, "peer authenticated");
  }

  private initiatorOf(c: PeerConnection): PeerId {
    return c.inbound ? c.id! : this.selfId;
  }

  /**
   * With two connections to one peer (each node dialed the other), both sides keep the one
   * initiated by the smaller node id, so they agree without talking. A second connection with
   * the same initiator is a duplicate.
   */
  private keepsExisting(c: PeerConnection, id: PeerId): boolean {
    const old = this.byId.get(id);
    if (old === undefined || old === c) return false;
    const preferred = id < this.selfId ? id : this.selfId;
    const newWins = this.initiatorOf(c) === preferred && this.initiatorOf(old) !== preferred;
    return !newWins;
  }

  private deliver(c: PeerConnection, msg: OverlayMessage | PullMessage): void {
    const peer = c.id!;
    this.modules.metrics.overlayMessagesReceived.inc({type: msg.type});
    switch (msg.type) {
      case "tx_advert":
        return this.pull.onAdvert(peer, msg.hashes);
      case "tx_demand":
        return this.pull.onDemand(peer, msg.hashes);
      case "txs":
        return this.pull.onBodies(peer, msg.envelopes);
      case "tx":
        // Pushed rather than demanded: deduped the same way.
        return this.pull.onBodies(peer, [msg.envelope]);
      case "scp":
        if (!this.floodgate.received(Floodgate.keyOf(msg.type, msg.envelope), peer)) {
          this.modules.metrics.overlayFloodDuplicates.inc({type: msg.type});
          return;
        }
    }
    this.emit(peer, msg);
  }

  private emit(peer: PeerId, msg: OverlayMessage): void {
    for (const cb of this.listeners) {
      try {
        cb(peer, msg);
      } catch (err) {
        this.modules.log.error({err, peer, type: msg.type}, "overlay message handler failed");
      }
    }
  }
}
