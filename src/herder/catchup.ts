/**
 * Catch-up from peers: a node that is behind asks a peer for the ledgers it misses (at most one
 * checkpoint of 64 per request), replays each through the ledger manager and keeps it only if it
 * reproduces the header hash the peer sent and links to the last closed ledger; a peer that
 * sends a ledger that does not replay, or nothing in time, is skipped for the next one.
 *
 * The same class answers peers' requests from this node's store (headers and tx sets by
 * sequence). A ledger item is msgpack `[1, seq, header hash hex, close time, fee per operation
 * as a decimal string, envelopes]`: enough to replay the ledger and check its header.
 */
import {Packr} from "msgpackr";
import type {Logger} from "pino";
import type {LedgerStore} from "../store/ledger-store.js";
import type {Overlay, OverlayMessage, PeerId} from "../overlay/interface.js";
import type {LedgerManager} from "./ledger-manager.js";
import type {CatchUpPort} from "./network.js";
import {HerderError, HerderErrorCode} from "./errors.js";

/** Ledgers per request and reply: one 64-ledger checkpoint, the overlay's bound. */
export const LEDGERS_PER_REQUEST = 64;
/** A request not answered within this goes to the next peer. */
const REPLY_TIMEOUT_MS = 3000;

const packr = new Packr({useRecords: false});

export interface LedgerItem {
  seq: number;
  hash: string;
  closeTime: number;
  baseFeeCharged: bigint;
  envelopes: Buffer[];
}

export function encodeLedgerItem(i: LedgerItem): Buffer {
  return packr.pack([1, i.seq, i.hash, i.closeTime, i.baseFeeCharged.toString(), i.envelopes]);
}

export function decodeLedgerItem(b: Buffer): LedgerItem {
  const bad = (why: string) => new HerderError(HerderErrorCode.BAD_LEDGER, `ledger item: ${why}`);
  let raw: unknown;
  try {
    raw = packr.unpack(b);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!Array.isArray(raw) || raw[0] !== 1 || raw.length !== 6) throw bad("unknown encoding");
  const [, seq, hash, closeTime, fee, envelopes] = raw as [number, unknown, unknown, unknown, unknown, unknown];
  if (!Number.isSafeInteger(seq) || (seq as number) < 2) throw bad("bad sequence");
  if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) throw bad("bad header hash");
  if (!Number.isSafeInteger(closeTime) || (closeTime as number) < 0) throw bad("bad close time");
  if (typeof fee !== "string" || !/^[1-9]\d{0,18}$/.test(fee) || BigInt(fee) > 2n ** 63n - 1n) throw bad("bad fee");
  if (!Array.isArray(envelopes) || !envelopes.every((e) => e instanceof Uint8Array)) throw bad("bad envelopes");
  return {seq: seq as number, hash, closeTime: closeTime as number, baseFeeCharged: BigInt(fee), envelopes: envelopes.map((e: Uint8Array) => Buffer.from(e))};
}

export class PeerCatchUp implements CatchUpPort {
  private target = 0;
  private peers: PeerId[] = [];
  private asking: {peer: PeerId; from: number; timer: NodeJS.Timeout} | null = null;
  private applying = false;

  constructor(
    private readonly modules: {store: LedgerStore; ledgers: LedgerManager; overlay: Overlay; log: Logger},
  ) {}

  get running(): boolean {
    return this.asking !== null || this.applying;
  }

  catchUp(target: number, peers: PeerId[]): void {
    this.target = Math.max(this.target, target);
    if (peers.length > 0) this.peers = peers;
    if (!this.running) this.askNext();
  }

  handle(peer: PeerId, msg: OverlayMessage): boolean {
    switch (msg.type) {
      case "get_ledgers":
        this.serve(peer, msg.from, msg.to);
        return true;
      case "ledgers":
        if (this.asking?.peer !== peer) return true;
        clearTimeout(this.asking.timer);
        this.asking = null;
        void this.replay(peer, msg.items);
        return true;
      case "dont_have":
        if (msg.what === "ledgers" && this.asking?.peer === peer) {
          clearTimeout(this.asking.timer);
          this.asking = null;
          this.skip(peer);
        }
        return true;
      default:
        return false;
    }
  }

  private serve(peer: PeerId, from: number, to: number): void {
    const {store, overlay} = this.modules;
    const last = Math.min(to, from + LEDGERS_PER_REQUEST - 1, store.latestHeader().seq);
    const items: Buffer[] = [];
    for (let seq = Math.max(2, from); seq <= last; seq++) {
      const header = store.header(seq);
      const set = store.txSetAt(seq);
      if (!header || !set) break;
      items.push(encodeLedgerItem({seq, hash: header.hash, closeTime: set.closeTime, baseFeeCharged: set.baseFeeCharged, envelopes: set.envelopes}));
    }
    if (items.length === 0) overlay.send(peer, {type: "dont_have", what: "ledgers", key: Buffer.from(String(from))});
    else overlay.send(peer, {type: "ledgers", items});
  }

  private askNext(): void {
    const {store, overlay, log} = this.modules;
    const from = store.latestHeader().seq + 1;
    if (from > this.target) return;
    const connected = new Set(overlay.peers().map((p) => p.id));
    const peer = this.peers.find((p) => connected.has(p)) ?? [...connected][0];
    if (peer === undefined) return;
    const to = Math.min(this.target, from + LEDGERS_PER_REQUEST - 1);
    if (!overlay.send(peer, {type: "get_ledgers", from, to})) {
      this.skip(peer);
      return;
    }
    log.info({peer, from, to}, "asking a peer for ledgers");
    const timer = setTimeout(() => {
      if (this.asking?.peer !== peer) return;
      this.asking = null;
      this.skip(peer);
    }, REPLY_TIMEOUT_MS);
    timer.unref();
    this.asking = {peer, from, timer};
  }

  /** The peer could not help: the next one is asked (after a pause when none is left). */
  private skip(peer: PeerId): void {
    this.peers = [...this.peers.filter((p) => p !== peer), peer];
    const t = setTimeout(() => {
      if (!this.running) this.askNext();
    }, 200);
    t.unref();
  }

  private async replay(peer: PeerId, items: Buffer[]): Promise<void> {
    const {store, ledgers, log} = this.modules;
    this.applying = true;
    let applied = 0;
    try {
      for (const raw of items) {
        const item = decodeLedgerItem(raw);
        const lcl = store.latestHeader().seq;
        if (item.seq <= lcl) continue;
        if (item.seq !== lcl + 1) throw new HerderError(HerderErrorCode.OUT_OF_ORDER, `peer sent ledger ${item.seq} after ${lcl}`);
        while (ledgers.closing) await new Promise((r) => setTimeout(r, 5));
        if (store.latestHeader().seq >= item.seq) continue;
        await ledgers.applyLedger({seq: item.seq, txs: {envelopes: item.envelopes}, closeTime: item.closeTime, baseFeeCharged: item.baseFeeCharged, expectedHash: item.hash});
        applied++;
      }
    } catch (err) {
      log.warn({err, peer, applied}, "catch-up from a peer stopped");
      this.applying = false;
      this.skip(peer);
      return;
    }
    this.applying = false;
    log.info({peer, applied, lcl: store.latestHeader().seq, target: this.target}, "caught up ledgers from a peer");
    if (applied === 0) this.skip(peer);
    else this.askNext();
  }
}
