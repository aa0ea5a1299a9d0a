/**
 * A validator's history publisher. When a checkpoint ledger closes, it pins an LMDB read
 * transaction on the state as of that ledger (synchronously, before the next ledger can
 * commit), then, off the close path, writes the checkpoint: headers, tx sets, results, the state
 * snapshot, the checkpoint's state file, and last the root state file, so a reader that finds
 * the root file finds everything it names. Checkpoints are published one at a time, in order.
 */
import type {Logger} from "pino";
import type {Transaction} from "lmdb";
import type {LedgerStore} from "../store/ledger-store.js";
import {decodeEntry} from "../store/entry-codec.js";
import type {LedgerEntry, LedgerHeader} from "../ledger/types.js";
import {genesisLedger} from "../ledger/genesis.js";
import {networkConfig} from "../ledger/options.js";
import type {HistoryArchive} from "./archive.js";
import {CHECKPOINT_FREQUENCY, ROOT_STATE_PATH, checkpointPath, firstLedgerOf, isCheckpoint} from "./checkpoint.js";
import type {LedgerSource} from "./interface.js";
import {encodeState, packFile, parseState, sha256Hex, type ArchiveFile, type ArchiveState, type FileKind, type GenesisParams} from "./state.js";
import {HistoryError, HistoryErrorCode} from "./errors.js";

/** Entries read per turn of the event loop while copying a snapshot: ~5 ms of work, then yield. */
const SNAPSHOT_CHUNK = 5000;
/** Transactions read per page when collecting a ledger's results. */
const RESULTS_PAGE = 200;

/** The genesis parameters of the store's network, with the hash a node rebuilding it must get. */
export function genesisParamsOf(store: LedgerStore): GenesisParams {
  const m = store.networkMeta();
  const config = networkConfig(m.passphrase, {baseFee: m.baseFee, baseReserve: m.baseReserve, maxTxSetSize: m.maxTxSetSize, protocolVersion: m.protocolVersion});
  const g = genesisLedger(config, m.totalCoins).header;
  return {hash: g.hash, baseFee: m.baseFee, baseReserve: m.baseReserve, maxTxSetSize: m.maxTxSetSize, protocolVersion: m.protocolVersion, totalCoins: m.totalCoins.toString()};
}

export class HistoryPublisher {
  private chain: Promise<void> = Promise.resolve();
  private lastSnapshot = 0;
  private pending = 0;
  readonly published: number[] = [];

  constructor(
    private readonly opts: {archive: HistoryArchive; server: string},
    /** `store`: entries, network record, results; `source`: headers and tx sets by sequence (the store, once it keeps them). */
    private readonly modules: {store: LedgerStore; source: LedgerSource; log: Logger},
  ) {}

  /** Resumes the snapshot marker from the archive's root file, if the archive has one. */
  async start(): Promise<void> {
    if (!this.opts.archive.canRead) return;
    const root = await this.opts.archive.get(ROOT_STATE_PATH);
    if (root === undefined) return;
    const s = parseState(root, ROOT_STATE_PATH);
    const mine = this.modules.store.networkMeta().passphrase;
    if (s.networkPassphrase !== mine) {
      throw new HistoryError(HistoryErrorCode.WRONG_NETWORK, `archive ${this.opts.archive.name} holds network "${s.networkPassphrase}", this node is on "${mine}"`);
    }
    this.lastSnapshot = s.lastSnapshot;
  }

  /**
   * Call on every closed ledger, synchronously from the ledger-closed event: at a checkpoint the
   * state is pinned now, before the next ledger commits.
   */
  ledgerClosed(header: LedgerHeader): void {
    if (!isCheckpoint(header.seq)) return;
    const db = this.modules.store.entries.db;
    const txn = db.useReadTransaction();
    this.pending++;
    this.chain = this.chain
      .then(() => this.publish(header, txn))
      .catch((err: unknown) => this.modules.log.error({err, checkpoint: header.seq}, "history checkpoint not published"))
      .finally(() => {
        txn.done();
        this.pending--;
      });
  }

  /** Resolves when every checkpoint handed over so far is published (or failed and logged). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  private async publish(cpHeader: LedgerHeader, txn: Transaction): Promise<void> {
    const {store, source, log} = this.modules;
    const {archive} = this.opts;
    const cp = cpHeader.seq;
    const t0 = performance.now();
    const headers: LedgerHeader[] = [];
    const txSets: Array<[number, bigint, Buffer[]]> = [];
    const results: Array<[number, string[]]> = [];
    for (let seq = firstLedgerOf(cp); seq <= cp; seq++) {
      const h = source.header(seq);
      if (h === undefined) {
        log.warn({checkpoint: cp, missing: seq}, "checkpoint not published: this node does not hold every header of it");
        return;
      }
      headers.push(h);
      if (seq === 1) continue;
      const set = source.txSetAt(seq);
      if (set === undefined) {
        log.warn({checkpoint: cp, missing: seq}, "checkpoint not published: this node does not hold every tx set of it");
        return;
      }
      txSets.push([seq, set.baseFeeCharged, set.envelopes]);
      results.push([seq, this.resultsOf(seq, h.txCount)]);
    }
    const files: Partial<Record<FileKind, ArchiveFile>> = {};
    const put = async (kind: FileKind, bytes: Buffer) => {
      const path = checkpointPath(kind, cp);
      await archive.put(path, bytes);
      files[kind] = {path, sha256: sha256Hex(bytes)};
    };
    await put("ledger", packFile(headers));
    await put("transactions", packFile(txSets));
    await put("results", packFile(results));
    const entries = await this.snapshotEntries(txn);
    await put("snapshot", packFile(entries));
    this.lastSnapshot = cp;
    const state: ArchiveState = {
      version: 1,
      server: this.opts.server,
      networkPassphrase: store.networkMeta().passphrase,
      checkpointFrequency: CHECKPOINT_FREQUENCY,
      currentLedger: cp,
      currentLedgerHash: cpHeader.hash,
      genesis: genesisParamsOf(store),
      files,
      lastSnapshot: this.lastSnapshot,
    };
    const bytes = encodeState(state);
    await archive.put(checkpointPath("history", cp), bytes);
    await archive.put(ROOT_STATE_PATH, bytes);
    this.published.push(cp);
    log.info({checkpoint: cp, entries: entries.length, ms: Math.round(performance.now() - t0), archive: archive.name}, "history checkpoint published");
  }

  /** Result XDR (base64) of a ledger's txs in apply order; empty when history retention pruned them. */
  private resultsOf(seq: number, count: number): string[] {
    const out: string[] = [];
    let cursor: string | undefined;
    while (out.length < count) {
      const page = this.modules.store.txs({cursor, limit: RESULTS_PAGE, order: "asc"}, {ledger: seq});
      if (page.length === 0) break;
      for (const t of page) out.push(t.resultXdr);
      cursor = page[page.length - 1]!.id;
    }
    return out.length === count ? out : [];
  }

  /** Every entry as of the pinned read transaction, read in chunks so ledger closes interleave. */
  private async snapshotEntries(txn: Transaction): Promise<LedgerEntry[]> {
    const db = this.modules.store.entries.db;
    const out: LedgerEntry[] = [];
    let start: string | undefined;
    for (;;) {
      let n = 0;
      for (const {key, value} of db.getRange({transaction: txn, ...(start !== undefined ? {start} : {}), limit: SNAPSHOT_CHUNK + 1})) {
        if (key === start) continue;
        out.push(decodeEntry(key, value));
        start = key;
        n++;
      }
      if (n < SNAPSHOT_CHUNK) return out;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
