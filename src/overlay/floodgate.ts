/**
 * Which flooded message each peer has sent us or been sent, as stellar-core's Floodgate: a
 * message is delivered to the node once and sent to each peer at most once. Bounded by count and
 * age so a flood of distinct messages cannot grow it without end.
 */
import {createHash} from "node:crypto";
import type {PeerId} from "./interface.js";

interface FloodRecord {
  at: number;
  /** Peers known to have the message: they sent it, or it was sent to them. */
  peers: Set<PeerId>;
  /** The node broadcast it (it originated here or was accepted and re-flooded). */
  sent: boolean;
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
    const fresh = r.peers.size === 0 && !r.sent;
    r.peers.add(peer);
    return fresh;
  }

  /** The peers among `candidates` that do not have the message yet; they are marked as having it. */
  sendTo(key: string, candidates: PeerId[], except?: PeerId): PeerId[] {
    const r = this.recordOf(key);
    r.sent = true;
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
      r = {at: this.now(), peers: new Set(), sent: false};
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
