/**
 * Catch-up from peers over the overlay: a node serves `get_ledgers` from its store (header + tx
 * set of each ledger), and a lagging or new node fetches the ledgers after its last closed one
 * in bounded batches, checks each header's hash and its link to the previous one, and replays
 * them in order through the ledger manager, which commits a ledger only if replay reproduces its
 * header hash. A peer that answers with anything else is skipped for the rest of the run.
 *
 * This checks that a chain is well formed, not that the network agreed on it: a running node
 * catches up through herder/catchup.ts instead, which replays a peer's chain only when it ends at
 * the ledger the node's quorum vouches for. This class serves tools and tests that trust the peer.
 */
import type {Logger} from "pino";
import type {Overlay, OverlayMessage, PeerId} from "../overlay/interface.js";
import {MAX_LEDGERS_PER_REQUEST} from "../overlay/codec.js";
import {checkChain, decodeLedgerRecord, encodeLedgerRecord, type LedgerRecord} from "./ledger-record.js";
import type {LedgerApplier, LedgerSource} from "./interface.js";
import {HistoryError, HistoryErrorCode} from "./errors.js";
import {HerderErrorCode} from "../herder/errors.js";

export interface PeerCatchupOptions {
  /** Ledgers asked for per request (≤ MAX_LEDGERS_PER_REQUEST). */
  batch: number;
  /** A peer that has not answered within this time is asked no more in this run. */
  requestTimeoutMs: number;
  /** A reply stops growing past this many bytes (the receiver's frame limit is 16 MiB). */
  maxReplyBytes: number;
}

export const defaultPeerCatchupOptions: PeerCatchupOptions = {
  /** One checkpoint's worth: the largest request a peer accepts. */
  batch: MAX_LEDGERS_PER_REQUEST,
  /** 5 s: a batch of 64 full ledgers is a few MB, well under a second on any link that can follow consensus. */
  requestTimeoutMs: 5000,
  /** 8 MiB: half the default frame limit, so a reply always fits. */
  maxReplyBytes: 8 * 1024 * 1024,
};

interface Pending {
  peer: PeerId;
  resolve: (items: Buffer[] | null) => void;
  timer: NodeJS.Timeout;
}

export interface CatchupResult {
  applied: number;
  lcl: number;
}

export class PeerLedgerSync {
  private readonly opts: PeerCatchupOptions;
  private pending: Pending | null = null;
  private running: Promise<CatchupResult> | null = null;

  constructor(
    opts: Partial<PeerCatchupOptions>,
    private readonly modules: {overlay: Overlay; source: LedgerSource; applier: LedgerApplier; log: Logger},
  ) {
    this.opts = {...defaultPeerCatchupOptions, ...opts};
    if (!Number.isInteger(this.opts.batch) || this.opts.batch < 1 || this.opts.batch > MAX_LEDGERS_PER_REQUEST) {
      throw new HistoryError(HistoryErrorCode.BAD_OPTION, `catch-up batch must be 1..${MAX_LEDGERS_PER_REQUEST}`, {batch: this.opts.batch});
    }
    modules.overlay.onMessage((peer, msg) => this.handle(peer, msg));
  }

  /** True while a catch-up run is fetching or applying. */
  get catchingUp(): boolean {
    return this.running !== null;
  }

  private handle(peer: PeerId, msg: OverlayMessage): void {
    if (msg.type === "get_ledgers") this.serve(peer, msg.from, msg.to);
    else if (msg.type === "ledgers") this.answer(peer, msg.items);
    else if (msg.type === "dont_have" && msg.what === "get_ledgers") this.answer(peer, null);
  }

  /** Answers with the ledgers from..to this node holds, stopping at the first it lacks or at the size cap. */
  private serve(peer: PeerId, from: number, to: number): void {
    const {source, overlay} = this.modules;
    const items: Buffer[] = [];
    let bytes = 0;
    const last = Math.min(to, source.latestHeader().seq);
    for (let seq = from; seq <= last && seq >= 2; seq++) {
      const header = source.header(seq);
      const set = source.txSetAt(seq);
      if (header === undefined || set === undefined) break;
      const item = encodeLedgerRecord({header, baseFeeCharged: set.baseFeeCharged, envelopes: set.envelopes});
      if (items.length > 0 && bytes + item.length > this.opts.maxReplyBytes) break;
      items.push(item);
      bytes += item.length;
    }
    if (items.length === 0) {
      const key = Buffer.alloc(4);
      key.writeUInt32BE(from, 0);
      overlay.send(peer, {type: "dont_have", what: "get_ledgers", key});
      return;
    }
    overlay.send(peer, {type: "ledgers", items});
  }

  private answer(peer: PeerId, items: Buffer[] | null): void {
    const p = this.pending;
    if (p === null || p.peer !== peer) return; // unasked: ignored
    clearTimeout(p.timer);
    this.pending = null;
    p.resolve(items);
  }

  private request(peer: PeerId, from: number, to: number): Promise<Buffer[] | null> {
    return new Promise((resolve) => {
      if (!this.modules.overlay.send(peer, {type: "get_ledgers", from, to})) {
        resolve(null);
        return;
      }
      const timer = setTimeout(() => {
        this.pending = null;
        resolve(null);
      }, this.opts.requestTimeoutMs);
      this.pending = {peer, resolve, timer};
    });
  }

  /**
   * Fetches and applies ledgers until `target` (or, without one, until no peer has more).
   * One run at a time: a second call joins the first. Rejects with UNAVAILABLE when no peer can
   * serve a ledger before the target.
   */
  catchUp(target?: number): Promise<CatchupResult> {
    if (this.running) return this.running;
    this.running = this.run(target).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Replays `records` in order; returns how many were committed. A ledger that does not
   * reproduce its header (or cannot be read) marks the peer as refused; one the node closed
   * meanwhile through consensus ends the batch without blame.
   */
  private async applyFrom(peer: PeerId, records: LedgerRecord[], refused: Set<PeerId>): Promise<number> {
    const {applier, source, log} = this.modules;
    let n = 0;
    for (const r of records) {
      if (r.header.seq <= source.latestHeader().seq) continue;
      try {
        await applier.applyLedger({
          seq: r.header.seq,
          txs: {envelopes: r.envelopes},
          closeTime: r.header.closeTime,
          baseFeeCharged: r.baseFeeCharged,
          expectedHash: r.header.hash,
        });
        n++;
      } catch (err) {
        const code = (err as {code?: string}).code;
        if (code === HerderErrorCode.HASH_MISMATCH || code === HerderErrorCode.BAD_LEDGER) {
          log.warn({peer, seq: r.header.seq, err: (err as Error).message}, "a ledger from a peer did not replay to its header; asking another");
          refused.add(peer);
          return n;
        }
        if (code === HerderErrorCode.OUT_OF_ORDER || code === HerderErrorCode.BUSY) {
          // Consensus is closing ledgers too: let its commit finish, then ask again from the new last ledger.
          await new Promise<void>((resolve) => setTimeout(resolve, 10));
          return Math.max(n, 1);
        }
        throw err;
      }
    }
    return n;
  }

  private async run(target: number | undefined): Promise<CatchupResult> {
    const {source, log, overlay} = this.modules;
    const refused = new Set<PeerId>();
    let applied = 0;
    for (;;) {
      const lcl = source.latestHeader();
      if (target !== undefined && lcl.seq >= target) break;
      const from = lcl.seq + 1;
      const to = Math.min(from + this.opts.batch - 1, target ?? Number.MAX_SAFE_INTEGER, 0xffffffff);
      let progressed = false;
      for (const {id} of overlay.peers()) {
        if (refused.has(id)) continue;
        const items = await this.request(id, from, to);
        if (items === null || items.length === 0) {
          refused.add(id);
          continue;
        }
        let records: LedgerRecord[];
        try {
          records = items.map((b) => decodeLedgerRecord(b));
          if (records.length > to - from + 1) throw new HistoryError(HistoryErrorCode.CORRUPT, `asked for ${to - from + 1} ledgers, got ${records.length}`);
          checkChain(lcl, records);
        } catch (err) {
          log.warn({peer: id, from, to, err: (err as Error).message}, "peer served ledgers that do not check; asking another");
          refused.add(id);
          continue;
        }
        const n = await this.applyFrom(id, records, refused);
        applied += n;
        if (n > 0) {
          progressed = true;
          log.info({peer: id, from, to: from + n - 1, target}, "ledgers fetched from a peer and replayed");
          break;
        }
      }
      if (!progressed) {
        if (target === undefined) break;
        throw new HistoryError(HistoryErrorCode.UNAVAILABLE, `no peer serves ledger ${from} (target ${target})`, {from, target});
      }
    }
    return {applied, lcl: source.latestHeader().seq};
  }
}
