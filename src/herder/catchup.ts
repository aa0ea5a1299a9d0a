/**
 * Catch-up from peers, trusting no single peer. A node that is behind fetches the ledgers it
 * misses from peers (at most 64 per request), but it replays them only once the whole chain from
 * its last closed ledger up to a ledger the quorum vouches for checks out:
 *
 * - The anchor: SCP externalized slot S on this node (its quorum confirmed the value), and this
 *   node holds the tx set S names (fetched by hash). A tx set names the ledger it builds on, so
 *   the hash of ledger S−1 is vouched for by the quorum, as stellar-core trusts the hash its
 *   consensus gives for the ledger before a buffered externalized one.
 * - Verify: a peer's records must chain from the last closed ledger (each header's hash is the
 *   hash of its fields, each prevHash the hash before it) and end at exactly the anchor's hash;
 *   otherwise the peer is refused for the run and the next one is asked. Nothing is applied yet.
 * - Apply: each ledger's tx set must hash to the header's txSetHash, and replay must reproduce
 *   the header hash (the ledger manager commits nothing otherwise).
 *
 * Only the chain's hashes are kept for any length of gap; envelopes are kept up to a byte budget
 * and fetched again (checked against the verified hashes) beyond it. The same class answers
 * peers' requests from this node's store. A ledger item is history's ledger record (header, fee
 * charged, envelopes in apply order).
 */
import type {Logger} from "pino";
import type {LedgerStore} from "../store/ledger-store.js";
import type {LedgerHeader, NetworkConfig} from "../ledger/types.js";
import type {Metrics} from "../metrics/metrics.js";
import type {Overlay, OverlayMessage, PeerId} from "../overlay/interface.js";
import {MAX_LEDGERS_PER_REQUEST} from "../overlay/codec.js";
import {checkChain, decodeLedgerRecord, encodeLedgerRecord, type LedgerRecord} from "../history/ledger-record.js";
import {decodeTxFrame} from "../tx/frame.js";
import {txSetHashOf} from "../ledger/close.js";
import type {TxFrame} from "../tx/interface.js";
import type {LedgerManager} from "./ledger-manager.js";
import type {CatchUpPort} from "./network.js";
import {HerderError, HerderErrorCode} from "./errors.js";

/** A ledger whose hash this node's quorum vouches for. */
export interface TrustedLedger {
  seq: number;
  hash: string;
}

export interface PeerCatchUpOptions {
  /** Ledgers per request and reply (≤ the overlay's 64). */
  batch: number;
  /** A request not answered within this goes to the next peer. */
  replyTimeoutMs: number;
  /** Envelopes buffered between verifying and applying; past this they are fetched again. */
  maxBufferedBytes: number;
  /** A reply stops growing past this many bytes (the receiver's frame limit is 16 MiB). */
  maxReplyBytes: number;
}

export const defaultPeerCatchUpOptions: PeerCatchUpOptions = {
  batch: MAX_LEDGERS_PER_REQUEST,
  /** 3 s: a batch is a few MB at most, well under a second on a link that can follow consensus. */
  replyTimeoutMs: 3000,
  /** 64 MiB: thousands of busy ledgers; a longer gap is fetched twice rather than held. */
  maxBufferedBytes: 64 * 1024 * 1024,
  /** 8 MiB: half the default frame limit, so a reply always fits. */
  maxReplyBytes: 8 * 1024 * 1024,
};

export interface PeerCatchUpModules {
  store: LedgerStore;
  ledgers: LedgerManager;
  overlay: Overlay;
  config: NetworkConfig;
  log: Logger;
  metrics?: Metrics;
  /** The newest ledger the quorum vouches for (see above), if any. */
  trusted: () => TrustedLedger | undefined;
  /** Asks the network for what would give an anchor (the tx set of the newest externalized slot). */
  wantAnchor?: () => void;
}

interface Pending {
  peer: PeerId;
  resolve: (items: Buffer[] | null) => void;
  timer: NodeJS.Timeout;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class PeerCatchUp implements CatchUpPort {
  private readonly opts: PeerCatchUpOptions;
  private peers: PeerId[] = [];
  private pending: Pending | null = null;
  private run: Promise<void> | null = null;
  private stopped = false;

  constructor(
    opts: Partial<PeerCatchUpOptions>,
    private readonly modules: PeerCatchUpModules,
  ) {
    this.opts = {...defaultPeerCatchUpOptions, ...opts};
    if (!Number.isInteger(this.opts.batch) || this.opts.batch < 1 || this.opts.batch > MAX_LEDGERS_PER_REQUEST) {
      throw new HerderError(HerderErrorCode.BAD_CONFIG, `catch-up batch must be 1..${MAX_LEDGERS_PER_REQUEST}`, {batch: this.opts.batch});
    }
  }

  get running(): boolean {
    return this.run !== null;
  }

  /** Resolves when the current run (if any) ends. */
  async idle(): Promise<void> {
    await this.run;
  }

  stop(): void {
    this.stopped = true;
    if (this.pending) {
      clearTimeout(this.pending.timer);
      this.pending.resolve(null);
      this.pending = null;
    }
  }

  /** `peers`: the ones that showed they are ahead, asked first. The target is the quorum's anchor, not `_hint`. */
  catchUp(_hint: number, peers: PeerId[]): void {
    if (peers.length > 0) this.peers = peers;
    if (this.run !== null || this.stopped) return;
    this.run = this.runOnce()
      .catch((err: unknown) => this.modules.log.warn({err}, "catch-up from peers stopped"))
      .finally(() => (this.run = null));
  }

  handle(peer: PeerId, msg: OverlayMessage): boolean {
    switch (msg.type) {
      case "get_ledgers":
        this.serve(peer, msg.from, msg.to);
        return true;
      case "ledgers":
        this.answer(peer, msg.items);
        return true;
      case "dont_have":
        if (msg.what === "ledgers") this.answer(peer, null);
        return true;
      default:
        return false;
    }
  }

  /** Answers with the ledgers from..to this node holds, stopping at the first it lacks or at the size cap. */
  private serve(peer: PeerId, from: number, to: number): void {
    const {store, overlay} = this.modules;
    const items: Buffer[] = [];
    let bytes = 0;
    const last = Math.min(to, from + this.opts.batch - 1, store.latestHeader().seq);
    for (let seq = Math.max(2, from); seq <= last; seq++) {
      const header = store.header(seq);
      const set = store.txSetAt(seq);
      if (!header || !set) break;
      const item = encodeLedgerRecord({header, baseFeeCharged: set.baseFeeCharged, envelopes: set.envelopes});
      if (items.length > 0 && bytes + item.length > this.opts.maxReplyBytes) break;
      items.push(item);
      bytes += item.length;
    }
    if (items.length === 0) overlay.send(peer, {type: "dont_have", what: "ledgers", key: Buffer.from(String(from))});
    else overlay.send(peer, {type: "ledgers", items});
  }

  private answer(peer: PeerId, items: Buffer[] | null): void {
    const p = this.pending;
    if (p === null || p.peer !== peer) return; // not asked: ignored
    clearTimeout(p.timer);
    this.pending = null;
    p.resolve(items);
  }

  private request(peer: PeerId, from: number, to: number): Promise<Buffer[] | null> {
    return new Promise((resolve) => {
      if (this.stopped || !this.modules.overlay.send(peer, {type: "get_ledgers", from, to})) {
        resolve(null);
        return;
      }
      const timer = setTimeout(() => {
        if (this.pending?.resolve === resolve) this.pending = null;
        resolve(null);
      }, this.opts.replyTimeoutMs);
      timer.unref();
      this.pending = {peer, resolve, timer};
    });
  }

  /** Connected peers, those known to be ahead first. */
  private candidates(): PeerId[] {
    const connected = this.modules.overlay.peers().map((p) => p.id);
    return [...this.peers.filter((p) => connected.includes(p)), ...connected.filter((p) => !this.peers.includes(p))];
  }

  private refuse(peer: PeerId, why: string, meta: Record<string, unknown>): void {
    this.modules.metrics?.catchupRefused.inc({reason: why});
    this.modules.log.warn({peer, reason: why, ...meta}, "catch-up: a peer's ledgers were refused");
  }

  private async runOnce(): Promise<void> {
    const {store, log, trusted} = this.modules;
    const anchor = trusted();
    const lcl = store.latestHeader();
    if (anchor === undefined) {
      this.modules.wantAnchor?.();
      return;
    }
    if (anchor.seq <= lcl.seq) return;
    const refused = new Set<PeerId>();
    for (const peer of this.candidates()) {
      if (this.stopped) return;
      const chain = await this.fetchChain(peer, lcl, anchor);
      if (chain === null) {
        refused.add(peer);
        continue;
      }
      log.info({peer, from: lcl.seq + 1, to: anchor.seq}, "catch-up: a peer's chain ends at the quorum's ledger; replaying");
      await this.apply(chain, lcl.seq + 1, refused, peer);
      return;
    }
    log.info({lcl: lcl.seq, anchor: anchor.seq, refused: refused.size}, "catch-up: no peer served the quorum's chain; will ask again");
  }

  /**
   * The verified chain from `lcl` to `anchor` from one peer: header hashes in order, and the
   * records whose envelopes fit the buffer. Null (peer refused) when the peer does not answer,
   * sends bytes that do not decode, a chain that does not link, or one that ends elsewhere.
   */
  private async fetchChain(peer: PeerId, lcl: LedgerHeader, anchor: TrustedLedger): Promise<{hashes: string[]; records: Array<LedgerRecord | null>} | null> {
    const hashes: string[] = [];
    const records: Array<LedgerRecord | null> = [];
    let buffered = 0;
    let prev: LedgerHeader = lcl;
    while (prev.seq < anchor.seq) {
      const from = prev.seq + 1;
      const to = Math.min(anchor.seq, from + this.opts.batch - 1);
      const items = await this.request(peer, from, to);
      if (items === null || items.length === 0) {
        this.refuse(peer, "no_answer", {from, to});
        return null;
      }
      let batch: LedgerRecord[];
      try {
        batch = items.map((b) => decodeLedgerRecord(b));
        if (batch.length > to - from + 1) throw new Error(`asked for ${to - from + 1} ledgers, got ${batch.length}`);
        checkChain(prev, batch);
      } catch (err) {
        this.refuse(peer, "bad_chain", {from, to, err: (err as Error).message});
        return null;
      }
      for (const r of batch) {
        hashes.push(r.header.hash);
        const size = r.envelopes.reduce((n, e) => n + e.length, 0);
        if (buffered + size <= this.opts.maxBufferedBytes) {
          records.push(r);
          buffered += size;
        } else {
          records.push(null);
        }
      }
      prev = batch[batch.length - 1]!.header;
    }
    if (prev.hash !== anchor.hash) {
      this.refuse(peer, "not_vouched", {seq: anchor.seq, served: prev.hash, vouched: anchor.hash});
      return null;
    }
    return {hashes, records};
  }

  /** Replays the verified chain; records not buffered are fetched again and must carry the verified hash. */
  private async apply(chain: {hashes: string[]; records: Array<LedgerRecord | null>}, first: number, refused: Set<PeerId>, source: PeerId): Promise<void> {
    const {store, ledgers, log, config} = this.modules;
    let refetched: LedgerRecord[] = [];
    let applied = 0;
    for (let i = 0; i < chain.hashes.length; i++) {
      if (this.stopped) return;
      const seq = first + i;
      const expected = chain.hashes[i]!;
      while (ledgers.closing) await sleep(5);
      const lcl = store.latestHeader();
      if (lcl.seq >= seq) {
        // Consensus closed it meanwhile: it must be the same ledger.
        if (store.header(seq)?.hash !== expected) throw new HerderError(HerderErrorCode.HASH_MISMATCH, `ledger ${seq} closed by consensus differs from the quorum's chain`, {seq});
        continue;
      }
      let record = chain.records[i] ?? refetched.find((r) => r.header.seq === seq);
      if (record === undefined) {
        refetched = await this.refetch(seq, Math.min(seq + this.opts.batch - 1, first + chain.hashes.length - 1), chain.hashes.slice(i), refused);
        record = refetched[0];
        if (record === undefined) {
          log.warn({seq}, "catch-up: no peer serves the verified ledger again; will ask again");
          return;
        }
      }
      let frames: TxFrame[];
      try {
        frames = record.envelopes.map((e) => decodeTxFrame(e, config.networkId));
        const setHash = txSetHashOf(record.header.prevHash, frames).toString("hex");
        if (setHash !== record.header.txSetHash) throw new Error(`tx set hashes to ${setHash}, the header names ${record.header.txSetHash}`);
      } catch (err) {
        this.refuse(source, "bad_tx_set", {seq, err: (err as Error).message});
        return;
      }
      try {
        await ledgers.applyLedger({seq, txs: {frames}, closeTime: record.header.closeTime, baseFeeCharged: record.baseFeeCharged, expectedHash: expected});
        chain.records[i] = null;
        this.modules.metrics?.catchupLedgers.inc();
        applied++;
      } catch (err) {
        const code = (err as {code?: string}).code;
        if (code === HerderErrorCode.BUSY || code === HerderErrorCode.OUT_OF_ORDER) {
          i--;
          await sleep(10);
          continue;
        }
        this.refuse(source, "replay_mismatch", {seq, err: (err as Error).message});
        return;
      }
    }
    log.info({applied, lcl: store.latestHeader().seq}, "caught up from peers");
  }

  /** Records `from..to` again from any peer not refused, checked against the verified hashes. */
  private async refetch(from: number, to: number, hashes: string[], refused: Set<PeerId>): Promise<LedgerRecord[]> {
    for (const peer of this.candidates()) {
      if (refused.has(peer)) continue;
      const items = await this.request(peer, from, to);
      if (items === null) continue;
      try {
        const recs = items.map((b) => decodeLedgerRecord(b));
        if (recs.length === 0 || recs.some((r, k) => r.header.seq !== from + k || r.header.hash !== hashes[k])) throw new Error("not the verified chain");
        return recs;
      } catch (err) {
        this.refuse(peer, "bad_chain", {from, to, err: (err as Error).message});
        refused.add(peer);
      }
    }
    return [];
  }
}
