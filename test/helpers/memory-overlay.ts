/**
 * An in-memory Overlay for tests: nodes of one MemoryNetwork are all connected to each other,
 * messages arrive on a later turn of the event loop, flood messages are deduplicated by hash as
 * the real overlay does, and a node can be cut off (its messages dropped both ways).
 */
import {createHash} from "node:crypto";
import type {Overlay, OverlayMessage, PeerId} from "../../src/overlay/interface.js";

function floodKey(msg: OverlayMessage): string | undefined {
  if (msg.type === "tx" || msg.type === "scp") return msg.type + createHash("sha256").update(msg.envelope).digest("hex");
  return undefined;
}

export class MemoryNetwork {
  readonly overlays = new Map<PeerId, MemoryOverlay>();
  readonly cut = new Set<PeerId>();
  /** Messages delivered, by type (tests read it). */
  readonly delivered = new Map<string, number>();

  overlay(id: PeerId): MemoryOverlay {
    const o = new MemoryOverlay(this, id);
    this.overlays.set(id, o);
    return o;
  }

  deliver(from: PeerId, to: PeerId, msg: OverlayMessage): boolean {
    const target = this.overlays.get(to);
    if (!target || !target.running || this.cut.has(from) || this.cut.has(to)) return false;
    setImmediate(() => {
      if (!target.running || this.cut.has(from) || this.cut.has(to)) return;
      this.delivered.set(msg.type, (this.delivered.get(msg.type) ?? 0) + 1);
      target.receive(from, msg);
    });
    return true;
  }
}

export class MemoryOverlay implements Overlay {
  running = false;
  private readonly receivers: Array<(peer: PeerId, msg: OverlayMessage) => void> = [];
  /** Flood key → peers that sent it here or were sent it. */
  private readonly seen = new Map<string, Set<PeerId>>();

  constructor(
    private readonly net: MemoryNetwork,
    readonly id: PeerId,
  ) {}

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  broadcast(msg: OverlayMessage, except?: PeerId): void {
    const key = floodKey(msg);
    const seen = key === undefined ? new Set<PeerId>() : (this.seen.get(key) ?? new Set<PeerId>());
    if (key !== undefined) this.seen.set(key, seen);
    for (const p of this.peers()) {
      if (p.id === except || seen.has(p.id)) continue;
      seen.add(p.id);
      this.net.deliver(this.id, p.id, msg);
    }
  }

  send(peer: PeerId, msg: OverlayMessage): boolean {
    return this.net.deliver(this.id, peer, msg);
  }

  onMessage(cb: (peer: PeerId, msg: OverlayMessage) => void): void {
    this.receivers.push(cb);
  }

  peers(): Array<{id: PeerId; address: string; inbound: boolean}> {
    if (!this.running || this.net.cut.has(this.id)) return [];
    return [...this.net.overlays.values()]
      .filter((o) => o.id !== this.id && o.running && !this.net.cut.has(o.id))
      .map((o) => ({id: o.id, address: "memory:" + o.id.slice(0, 8), inbound: false}));
  }

  receive(from: PeerId, msg: OverlayMessage): void {
    const key = floodKey(msg);
    if (key !== undefined) {
      const seen = this.seen.get(key) ?? new Set<PeerId>();
      seen.add(from);
      this.seen.set(key, seen);
    }
    for (const cb of this.receivers) cb(from, msg);
  }
}
