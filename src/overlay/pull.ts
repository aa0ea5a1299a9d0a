/**
 * Pull-mode transaction flooding, as stellar-core's TxAdverts and TxDemandsManager. Pushing every
 * accepted tx to every peer sends each body over each link of a mesh (a node of a 4-node full
 * mesh received each tx three times); here a node advertises the hashes of the txs it accepted,
 * in batches, and a peer demands each hash it lacks from one advertiser, so a body crosses to a
 * node once. A demand not answered is asked of another advertiser after a growing delay.
 *
 * The hash is sha256 of the raw envelope bytes: a node dedupes a body, or an advert, before any
 * decode or signature work. Everything held here is bounded: hashes per peer, demand records,
 * bodies kept to answer demands, and the flood records (Floodgate).
 */
import {hash} from "node:crypto";
import type {Metrics} from "../metrics/metrics.js";
import type {PeerId} from "./interface.js";
import {MAX_PULL_BATCH, type PullMessage} from "./codec.js";
import {Floodgate} from "./floodgate.js";
import type {OverlayOptions} from "./options.js";

const HASH_BYTES = 32;
/** stellar-core's MAX_DELAY_DEMAND: however many attempts failed, a demand is retried within 2 s. */
const MAX_DEMAND_DELAY_MS = 2000;
/** stellar-core's MAX_RETRY_COUNT: after this many peers were asked, the hash is given up. */
const MAX_DEMAND_ATTEMPTS = 15;
/** Demand records outlive the last retry (stellar-core: MAX_DELAY_DEMAND × MAX_RETRY_COUNT × 2). */
const DEMAND_RETENTION_MS = MAX_DEMAND_DELAY_MS * MAX_DEMAND_ATTEMPTS * 2;
/** Bodies per `txs` frame are cut below this many bytes, far under the frame limit. */
const MAX_TXS_FRAME_BYTES = 1024 * 1024;

/** What the pull protocol needs from the overlay around it. */
export interface PullTransport {
  /** Authenticated peers, in no particular order. */
  peers(): PeerId[];
  /** Queues a frame to a peer; `droppable` frames are dropped when its write queue is full. */
  send(peer: PeerId, msg: PullMessage, droppable: boolean): boolean;
  /** A tx body seen for the first time, handed to the node (once per tx). */
  deliver(peer: PeerId, envelope: Buffer): void;
}

/** Per peer: hashes to advertise to it, hashes it advertised and not yet demanded. */
interface PeerPull {
  outgoing: Buffer[];
  flushTimer: NodeJS.Timeout | null;
  /** Adverts in arrival order (hex keys); `head` is the next to look at. */
  incoming: string[];
  head: number;
  /** Hashes looked at too early to ask this peer again; looked at before `incoming`. */
  retry: string[];
  retryHead: number;
}

interface DemandRecord {
  first: number;
  last: number;
  peers: Set<PeerId>;
}

type DemandStatus = "demand" | "retry_later" | "discard";

/** sha256 of the raw envelope bytes: the tx's key in adverts, demands and flood records. */
export function txFloodKey(envelope: Buffer): Buffer {
  // One-shot: a Hash object per ~300-byte envelope costs more than the hashing.
  return hash("sha256", envelope, "buffer");
}

export class TxPull {
  private readonly byPeer = new Map<PeerId, PeerPull>();
  /** Which peers have which tx, and whether this node holds it. */
  private readonly gate: Floodgate;
  /**
   * Demands made, in two generations dropped whole (as the Floodgate's: evicting a Map's oldest
   * keys one by one makes every later walk from its front step over the deleted slots).
   */
  private demands = new Map<string, DemandRecord>();
  private olderDemands = new Map<string, DemandRecord>();
  private demandsSince: number;
  /** Bodies of txs this node accepted, kept to answer demands, in two generations of half the bound each. */
  private bodies = new Map<string, Buffer>();
  private olderBodies = new Map<string, Buffer>();
  private demandTimer: NodeJS.Timeout | null = null;
  private lastDemandRound = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly opts: Pick<OverlayOptions, "advertPeriodMs" | "demandPeriodMs" | "demandBackoffMs" | "maxAdvertsPerPeer" | "maxHeldBodies" | "floodMaxEntries" | "floodMaxAgeMs">,
    private readonly transport: PullTransport,
    private readonly metrics: Metrics,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.gate = new Floodgate(opts.floodMaxEntries, opts.floodMaxAgeMs, now);
    this.demandsSince = now();
  }

  /**
   * The node accepted a tx (its own client's or a peer's): keep the body to answer demands and
   * advertise its hash to every peer not known to have it.
   */
  advertise(envelope: Buffer, except?: PeerId): void {
    const key = txFloodKey(envelope);
    const hex = key.toString("hex");
    this.holdBody(hex, envelope);
    for (const peer of this.gate.sendTo(hex, this.transport.peers(), except)) this.queueAdvert(peer, key);
  }

  /** A peer's tx_advert: hashes this node lacks are queued for demanding from it. */
  onAdvert(peer: PeerId, hashes: Buffer): void {
    const p = this.peerState(peer);
    const n = hashes.length / HASH_BYTES;
    this.metrics.overlayTxHashes.inc({kind: "advert_received"}, n);
    for (let i = 0; i < n; i++) {
      const hex = hashes.toString("hex", i * HASH_BYTES, (i + 1) * HASH_BYTES);
      this.gate.peerHas(hex, peer);
      if (this.gate.has(hex)) continue;
      p.incoming.push(hex);
    }
    const dropped = this.queued(p) - this.opts.maxAdvertsPerPeer;
    if (dropped > 0) {
      // The oldest go first, as stellar-core's queue: newer adverts are likelier still unmet.
      let left = dropped;
      const fromRetry = Math.min(left, p.retry.length - p.retryHead);
      p.retryHead += fromRetry;
      left -= fromRetry;
      p.head += left;
      this.metrics.overlayDropped.inc({reason: "advert_queue_full"}, dropped);
    }
    this.compact(p);
    this.scheduleDemands();
  }

  /** A peer's tx_demand: the bodies this node holds go back in batches; others are ignored (the peer asks elsewhere). */
  onDemand(peer: PeerId, hashes: Buffer): void {
    const n = hashes.length / HASH_BYTES;
    this.metrics.overlayTxHashes.inc({kind: "demand_received"}, n);
    let batch: Buffer[] = [];
    let bytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      this.transport.send(peer, {type: "txs", envelopes: batch}, true);
      this.metrics.overlayTxBodies.inc({direction: "sent"}, batch.length);
      batch = [];
      bytes = 0;
    };
    for (let i = 0; i < n; i++) {
      const hex = hashes.toString("hex", i * HASH_BYTES, (i + 1) * HASH_BYTES);
      const body = this.bodies.get(hex) ?? this.olderBodies.get(hex);
      if (body === undefined) continue;
      this.gate.peerHas(hex, peer);
      if (batch.length >= MAX_PULL_BATCH || bytes + body.length > MAX_TXS_FRAME_BYTES) flush();
      batch.push(body);
      bytes += body.length;
    }
    flush();
  }

  /** Tx bodies from a peer (demanded, or pushed by a `tx` message): each new one is delivered once. */
  onBodies(peer: PeerId, envelopes: Buffer[]): void {
    this.metrics.overlayTxBodies.inc({direction: "received"}, envelopes.length);
    for (const envelope of envelopes) {
      const hex = txFloodKey(envelope).toString("hex");
      if (!this.gate.received(hex, peer)) {
        this.metrics.overlayFloodDuplicates.inc({type: "tx"});
        continue;
      }
      this.transport.deliver(peer, envelope);
    }
  }

  /** A peer disconnected: what it advertised and what was queued for it are dropped. */
  peerGone(peer: PeerId): void {
    const p = this.byPeer.get(peer);
    if (p?.flushTimer) clearTimeout(p.flushTimer);
    this.byPeer.delete(peer);
  }

  stop(): void {
    this.stopped = true;
    for (const peer of [...this.byPeer.keys()]) this.peerGone(peer);
    if (this.demandTimer) clearTimeout(this.demandTimer);
    this.demandTimer = null;
  }

  /** Sizes for tests and status: per peer hashes queued each way, demand records, bodies held. */
  stats(): {peers: Record<PeerId, {outgoing: number; incoming: number}>; demands: number; bodies: number; floodRecords: number} {
    const peers: Record<PeerId, {outgoing: number; incoming: number}> = {};
    for (const [id, p] of this.byPeer) peers[id] = {outgoing: p.outgoing.length, incoming: this.queued(p)};
    return {peers, demands: this.demands.size + this.olderDemands.size, bodies: this.bodies.size + this.olderBodies.size, floodRecords: this.gate.size};
  }

  // ---- adverts out

  private holdBody(hex: string, envelope: Buffer): void {
    if (this.bodies.has(hex) || this.olderBodies.has(hex)) return;
    if (this.bodies.size >= Math.max(1, Math.floor(this.opts.maxHeldBodies / 2))) {
      this.olderBodies = this.bodies;
      this.bodies = new Map();
    }
    this.bodies.set(hex, envelope);
  }

  private queueAdvert(peer: PeerId, key: Buffer): void {
    const p = this.peerState(peer);
    p.outgoing.push(key);
    if (p.outgoing.length >= MAX_PULL_BATCH) {
      this.flushAdverts(peer);
    } else if (p.flushTimer === null) {
      p.flushTimer = setTimeout(() => this.flushAdverts(peer), this.opts.advertPeriodMs);
      p.flushTimer.unref();
    }
  }

  private flushAdverts(peer: PeerId): void {
    const p = this.byPeer.get(peer);
    if (p === undefined) return;
    if (p.flushTimer) clearTimeout(p.flushTimer);
    p.flushTimer = null;
    if (p.outgoing.length === 0) return;
    const hashes = Buffer.concat(p.outgoing);
    const n = p.outgoing.length;
    p.outgoing = [];
    if (this.transport.send(peer, {type: "tx_advert", hashes}, true)) this.metrics.overlayTxHashes.inc({kind: "advert_sent"}, n);
  }

  // ---- demands out

  private scheduleDemands(): void {
    if (this.demandTimer !== null || this.stopped) return;
    const delay = Math.max(0, this.lastDemandRound + this.opts.demandPeriodMs - this.now());
    this.demandTimer = setTimeout(() => this.demandRound(), delay);
    this.demandTimer.unref();
  }

  private retryDelay(attempts: number): number {
    return Math.min(attempts * this.opts.demandBackoffMs, MAX_DEMAND_DELAY_MS);
  }

  private demandStatus(hex: string, peer: PeerId, now: number): DemandStatus {
    if (this.gate.has(hex)) return "discard";
    const d = this.demandOf(hex);
    if (d === undefined) return "demand";
    if (d.peers.has(peer)) return "discard";
    if (d.peers.size >= MAX_DEMAND_ATTEMPTS) return "discard";
    return now - d.last >= this.retryDelay(d.peers.size) ? "demand" : "retry_later";
  }

  /**
   * One round, as stellar-core's TxDemandsManager::demand: peers in random order take turns, each
   * turn demanding at most one new hash from that peer, until every peer's adverts are looked at
   * or its demand is full; hashes asked of another peer too recently wait for a later round.
   */
  private demandRound(): void {
    this.demandTimer = null;
    if (this.stopped) return;
    const now = this.now();
    this.lastDemandRound = now;
    this.expireDemands(now);
    const peers = [...this.byPeer.keys()].filter((id) => this.queued(this.byPeer.get(id)!) > 0);
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [peers[i], peers[j]] = [peers[j]!, peers[i]!];
    }
    const out = new Map<PeerId, {demand: string[]; retry: string[]}>(peers.map((id) => [id, {demand: [], retry: []}]));
    let progress = true;
    while (progress) {
      progress = false;
      for (const id of peers) {
        const p = this.byPeer.get(id)!;
        const o = out.get(id)!;
        while (o.demand.length < MAX_PULL_BATCH && this.queued(p) > 0) {
          const hex = p.retryHead < p.retry.length ? p.retry[p.retryHead++]! : p.incoming[p.head++]!;
          const status = this.demandStatus(hex, id, now);
          if (status === "retry_later") {
            o.retry.push(hex);
            continue;
          }
          if (status === "discard") continue;
          let d = this.demandOf(hex);
          if (d === undefined) {
            d = {first: now, last: now, peers: new Set()};
            this.demands.set(hex, d);
          } else {
            this.metrics.overlayTxHashes.inc({kind: "demand_retried"});
          }
          d.peers.add(id);
          d.last = now;
          o.demand.push(hex);
          progress = true;
          break;
        }
      }
    }
    let more = false;
    for (const id of peers) {
      const p = this.byPeer.get(id)!;
      const o = out.get(id)!;
      if (o.demand.length > 0) {
        this.transport.send(id, {type: "tx_demand", hashes: Buffer.from(o.demand.join(""), "hex")}, false);
        this.metrics.overlayTxHashes.inc({kind: "demand_sent"}, o.demand.length);
      }
      p.retry.push(...o.retry);
      this.compact(p);
      if (this.queued(p) > 0) more = true;
    }
    if (more) this.scheduleDemands();
  }

  private demandOf(hex: string): DemandRecord | undefined {
    return this.demands.get(hex) ?? this.olderDemands.get(hex);
  }

  /**
   * Demand records live one to two half-retentions (stellar-core keeps them
   * MAX_DELAY_DEMAND × MAX_RETRY_COUNT × 2) and at most the flood records' bound.
   */
  private expireDemands(now: number): void {
    if (now - this.demandsSince >= DEMAND_RETENTION_MS / 2 || this.demands.size >= Math.max(1, Math.floor(this.opts.floodMaxEntries / 2))) {
      this.olderDemands = now - this.demandsSince >= DEMAND_RETENTION_MS ? new Map() : this.demands;
      this.demands = new Map();
      this.demandsSince = now;
    }
  }

  // ---- per-peer state

  private peerState(peer: PeerId): PeerPull {
    let p = this.byPeer.get(peer);
    if (p === undefined) {
      p = {outgoing: [], flushTimer: null, incoming: [], head: 0, retry: [], retryHead: 0};
      this.byPeer.set(peer, p);
    }
    return p;
  }

  private queued(p: PeerPull): number {
    return p.incoming.length - p.head + p.retry.length - p.retryHead;
  }

  /** Drops looked-at adverts from the front of the queue once they are most of it. */
  private compact(p: PeerPull): void {
    if (p.head > 0 && p.head * 2 >= p.incoming.length) {
      p.incoming = p.incoming.slice(p.head);
      p.head = 0;
    }
    if (p.retryHead > 0 && p.retryHead * 2 >= p.retry.length) {
      p.retry = p.retry.slice(p.retryHead);
      p.retryHead = 0;
    }
  }
}
