/**
 * Which flooded message each peer has sent us or been sent, as stellar-core's Floodgate: a
 * message is delivered to the node once and sent to each peer at most once. Bounded by count and
 * age so a flood of distinct messages cannot grow it without end.
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
  private readonly records = new Map<string, FloodRecord>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

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
    const r = this.records.get(key);
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
    return this.records.size;
  }

  private recordOf(key: string): FloodRecord {
    this.expire();
    let r = this.records.get(key);
    if (r === undefined) {
      r = {at: this.now(), peers: new Set(), have: false};
      this.records.set(key, r);
      if (this.records.size > this.maxEntries) this.records.delete(this.records.keys().next().value as string);
    }
    return r;
  }

  /** Drops records past their age; insertion order is age order, so it stops at the first young one. */
  private expire(): void {
    const limit = this.now() - this.maxAgeMs;
    for (const [key, r] of this.records) {
      if (r.at >= limit) break;
      this.records.delete(key);
    }
  }
}
