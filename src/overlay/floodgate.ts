/**
 * Which flooded message each peer has sent us or been sent, as stellar-core's Floodgate: a
 * message is delivered to the node once and sent to each peer at most once. Bounded by count and
 * age so a flood of distinct messages cannot grow it without end (at most `maxEntries` records,
 * each forgotten within about the age limit).
 */
import {createHash} from "node:crypto";
import type {PeerId} from "./interface.js";

interface FloodRecord {
  at: number;
  /** Peers known to have the message: they sent or advertised it, or it was sent or advertised to them. */
  peers: Set<PeerId>;
  /** The node holds the message: a peer sent it, or the node broadcast it. */
  have: boolean;
}

export class Floodgate {
  /**
   * Two generations instead of one map evicted key by key: deleting a Map's oldest keys one at a
   * time leaves deleted slots at its front that every later walk from the front steps over (about
   * 20 µs a lookup at 50,000 entries). A generation takes new records until it holds half the
   * bound or is half the age limit old; then the older one is dropped whole.
   */
  private current = new Map<string, FloodRecord>();
  private older = new Map<string, FloodRecord>();
  private currentSince: number;

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.currentSince = now();
  }

  /** sha256 over the message type and its envelope: a tx and an SCP envelope never collide. */
  static keyOf(type: string, envelope: Buffer): string {
    return createHash("sha256").update(type).update(envelope).digest("hex");
  }

  /** Records that `peer` sent the message; true when the node had not seen it before. */
  received(key: string, peer: PeerId): boolean {
    const r = this.recordOf(key);
    const fresh = !r.have;
    r.have = true;
    r.peers.add(peer);
    return fresh;
  }

  /** Records that `peer` has the message (it advertised it) without the node having it. */
  peerHas(key: string, peer: PeerId): void {
    this.recordOf(key).peers.add(peer);
  }

  /** Whether the node holds the message (received or broadcast, and not yet forgotten). */
  has(key: string): boolean {
    this.rotate();
    const r = this.current.get(key) ?? this.older.get(key);
    return r !== undefined && r.have && r.at >= this.now() - this.maxAgeMs;
  }

  /** The peers among `candidates` that do not have the message yet; they are marked as having it. */
  sendTo(key: string, candidates: PeerId[], except?: PeerId): PeerId[] {
    const r = this.recordOf(key);
    r.have = true;
    if (except !== undefined) r.peers.add(except);
    const out: PeerId[] = [];
    for (const p of candidates) {
      if (r.peers.has(p)) continue;
      r.peers.add(p);
      out.push(p);
    }
    return out;
  }

  /** Records held (a disconnected peer's marks are kept: it comes back with what it had). */
  get size(): number {
    return this.current.size + this.older.size;
  }

  private recordOf(key: string): FloodRecord {
    this.rotate();
    let r = this.current.get(key) ?? this.older.get(key);
    if (r === undefined) {
      r = {at: this.now(), peers: new Set(), have: false};
      this.current.set(key, r);
    }
    return r;
  }

  /** Starts a new generation when the current one is full or half the age limit old. */
  private rotate(): void {
    const t = this.now();
    if (t - this.currentSince >= this.maxAgeMs) {
      // Both generations are past the age limit.
      this.older = new Map();
      this.current = new Map();
      this.currentSince = t;
    } else if (this.current.size >= Math.max(1, Math.ceil(this.maxEntries / 2)) || t - this.currentSince >= this.maxAgeMs / 2) {
      this.older = this.current;
      this.current = new Map();
      this.currentSince = t;
    }
  }
}
