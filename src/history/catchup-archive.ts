/**
 * Building or advancing a node's data folder from a history archive, as stellar-core's
 * `catchup`: verify the header chain from genesis (rebuilt locally from the network's
 * parameters) to the target, load the state snapshot of the latest checkpoint at or before the
 * target (or start from genesis with `full`), then replay every later ledger through the ledger
 * manager, which commits a ledger only if it reproduces the archived header hash.
 *
 * Trust: headers are anchored in genesis by their hash chain, tx sets by replay. The snapshot is
 * checked against the sha256 its checkpoint lists; ledger headers carry no hash of the whole
 * state, so `full` (replay from genesis) is the mode that trusts nothing but the chain.
 */
import type {Logger} from "pino";
import {LedgerStore, networkMetaOf} from "../store/ledger-store.js";
import {entryKey, type LedgerEntry, type LedgerHeader, type NetworkConfig} from "../ledger/types.js";
import {genesisLedger} from "../ledger/genesis.js";
import {networkConfig} from "../ledger/options.js";
import type {HistoryArchive} from "./archive.js";
import {CHECKPOINT_FREQUENCY, ROOT_STATE_PATH, checkpointOf, checkpointPath, isCheckpoint} from "./checkpoint.js";
import {checkHeader} from "./ledger-record.js";
import type {LedgerApplier} from "./interface.js";
import {parseState, unpackFile, type ArchiveState} from "./state.js";
import {HistoryError, HistoryErrorCode} from "./errors.js";

export interface ArchiveCatchupOptions {
  /** Last ledger to reach; the archive's latest checkpoint when absent. */
  to?: number;
  /** Replay from genesis instead of loading a snapshot. */
  full?: boolean;
}

export interface ArchiveCatchupResult {
  /** The ledger the folder held before (0: it was empty). */
  from: number;
  /** Where the snapshot was loaded (0: none). */
  snapshot: number;
  to: number;
  hash: string;
  replayed: number;
}

function corrupt(message: string, meta: Record<string, unknown> = {}): HistoryError {
  return new HistoryError(HistoryErrorCode.CORRUPT, message, meta);
}

export class ArchiveReader {
  private readonly states = new Map<number, ArchiveState>();

  constructor(readonly archive: HistoryArchive) {}

  async root(): Promise<ArchiveState> {
    const b = await this.archive.get(ROOT_STATE_PATH);
    if (b === undefined) throw new HistoryError(HistoryErrorCode.MISSING, `${this.archive.name} has no ${ROOT_STATE_PATH}: not a history archive, or nothing published yet`);
    return parseState(b, ROOT_STATE_PATH);
  }

  async state(cp: number): Promise<ArchiveState> {
    const hit = this.states.get(cp);
    if (hit) return hit;
    const path = checkpointPath("history", cp);
    const b = await this.archive.get(path);
    if (b === undefined) throw new HistoryError(HistoryErrorCode.MISSING, `${this.archive.name} lacks ${path}`, {path});
    const s = parseState(b, path);
    if (s.currentLedger !== cp) throw corrupt(`${path} describes checkpoint ${s.currentLedger}`, {path});
    this.states.set(cp, s);
    return s;
  }

  async file(cp: number, kind: "ledger" | "transactions" | "results" | "snapshot"): Promise<unknown> {
    const s = await this.state(cp);
    const f = s.files[kind];
    const path = checkpointPath(kind, cp);
    if (f === undefined || f.path !== path) throw new HistoryError(HistoryErrorCode.MISSING, `checkpoint ${cp} lists no ${kind} file at ${path}`, {checkpoint: cp});
    const b = await this.archive.get(path);
    if (b === undefined) throw new HistoryError(HistoryErrorCode.MISSING, `${this.archive.name} lacks ${path}`, {path});
    return unpackFile(b, f, path);
  }

  async headers(cp: number): Promise<LedgerHeader[]> {
    const raw = await this.file(cp, "ledger");
    if (!Array.isArray(raw)) throw corrupt(`ledger file of checkpoint ${cp} is not a list of headers`);
    return raw.map((h) => checkHeader(h));
  }

  async txSets(cp: number): Promise<Map<number, {baseFeeCharged: bigint; envelopes: Buffer[]}>> {
    const raw = await this.file(cp, "transactions");
    const out = new Map<number, {baseFeeCharged: bigint; envelopes: Buffer[]}>();
    if (!Array.isArray(raw)) throw corrupt(`transactions file of checkpoint ${cp} is not a list`);
    for (const r of raw) {
      if (
        !Array.isArray(r) ||
        r.length !== 3 ||
        !Number.isSafeInteger(r[0]) ||
        typeof r[1] !== "bigint" ||
        r[1] < 0n ||
        !Array.isArray(r[2]) ||
        !r[2].every((e: unknown) => Buffer.isBuffer(e) && e.length > 0)
      ) {
        throw corrupt(`transactions file of checkpoint ${cp} holds a malformed tx set`);
      }
      out.set(r[0] as number, {baseFeeCharged: r[1], envelopes: r[2] as Buffer[]});
    }
    return out;
  }

  async snapshot(cp: number): Promise<LedgerEntry[]> {
    const raw = await this.file(cp, "snapshot");
    if (!Array.isArray(raw) || !raw.every((e) => typeof e === "object" && e !== null && typeof (e as {type?: unknown}).type === "string")) {
      throw corrupt(`snapshot of checkpoint ${cp} is not a list of entries`);
    }
    return raw as LedgerEntry[];
  }
}

/** The network config an archive's genesis parameters describe. */
export function configOfState(s: ArchiveState): NetworkConfig {
  return networkConfig(s.networkPassphrase, {
    baseFee: s.genesis.baseFee,
    baseReserve: s.genesis.baseReserve,
    maxTxSetSize: s.genesis.maxTxSetSize,
    protocolVersion: s.genesis.protocolVersion,
  });
}

/**
 * Catches `store` up from the archive. `applierFor` builds the ledger manager once the store holds
 * a ledger (it may have been empty). Refuses, before writing anything, an archive of another
 * network, a header chain that does not link to genesis, and any file whose sha256 differs from
 * its checkpoint's state; a replayed ledger that does not reproduce its header stops the run with
 * every earlier ledger committed.
 */
export async function catchupFromArchive(
  archive: HistoryArchive,
  store: LedgerStore,
  applierFor: (store: LedgerStore, config: NetworkConfig) => LedgerApplier,
  opts: ArchiveCatchupOptions,
  log: Logger,
): Promise<ArchiveCatchupResult> {
  const reader = new ArchiveReader(archive);
  const root = await reader.root();
  const config = configOfState(root);
  const genesis = genesisLedger(config, BigInt(root.genesis.totalCoins));
  if (genesis.header.hash !== root.genesis.hash) {
    throw new HistoryError(HistoryErrorCode.CORRUPT, `the archive's genesis parameters rebuild ledger 1 as ${genesis.header.hash}, it says ${root.genesis.hash}`);
  }
  const from = store.isInitialized() ? store.latestHeader().seq : 0;
  if (from > 0) {
    const meta = store.networkMeta();
    if (meta.passphrase !== root.networkPassphrase) {
      throw new HistoryError(HistoryErrorCode.WRONG_NETWORK, `the data folder holds network "${meta.passphrase}", the archive "${root.networkPassphrase}"`);
    }
  }
  const to = opts.to ?? root.currentLedger;
  if (!Number.isSafeInteger(to) || to < 1 || to > root.currentLedger) {
    throw new HistoryError(HistoryErrorCode.BAD_OPTION, `target ledger ${to} is outside the archive (1..${root.currentLedger})`, {to});
  }
  if (to <= from) return {from, snapshot: 0, to: from, hash: store.latestHeader().hash, replayed: 0};

  // 1. Every header from genesis to the target, chained (ledger 1 must be the rebuilt genesis).
  const headers: LedgerHeader[] = [];
  for (let cp = checkpointOf(1); cp <= checkpointOf(to); cp += CHECKPOINT_FREQUENCY) {
    for (const h of await reader.headers(cp)) if (h.seq <= to) headers.push(h);
  }
  if (headers.length !== to || headers[0]!.hash !== genesis.header.hash) {
    throw corrupt(`the archive's headers do not start at this network's genesis ${genesis.header.hash} and run to ${to}`);
  }
  for (let i = 1; i < headers.length; i++) {
    const h = headers[i]!;
    if (h.seq !== i + 1 || h.prevHash !== headers[i - 1]!.hash) {
      throw corrupt(`ledger ${h.seq} does not link to ledger ${i}'s hash in the archive`, {seq: h.seq});
    }
  }
  if (from > 0 && headers[from - 1]!.hash !== store.latestHeader().hash) {
    throw new HistoryError(HistoryErrorCode.WRONG_NETWORK, `the data folder's ledger ${from} is ${store.latestHeader().hash}, the archive's ${headers[from - 1]!.hash}: they diverged`);
  }

  // Every file the run reads is checked against its sha256 before anything is written, so a
  // damaged or altered archive leaves the folder as it was.
  const firstCp = checkpointOf(from + 1);
  for (let cp = firstCp; cp <= checkpointOf(to); cp += CHECKPOINT_FREQUENCY) {
    await reader.file(cp, "transactions");
  }

  // 2. Starting state: what the folder holds, a snapshot, or genesis.
  let snapshot = 0;
  if (from === 0) {
    const meta = networkMetaOf(config, genesis.header);
    let start = 0;
    if (!opts.full) {
      // The latest checkpoint at or before the target that carries a snapshot.
      let cp = isCheckpoint(to) ? to : checkpointOf(to) - CHECKPOINT_FREQUENCY;
      while (start === 0 && cp >= CHECKPOINT_FREQUENCY - 1) {
        const st = await reader.state(cp);
        if (st.files.snapshot !== undefined) start = cp;
        else cp = st.lastSnapshot > 0 && st.lastSnapshot < cp ? st.lastSnapshot : cp - CHECKPOINT_FREQUENCY;
      }
    }
    if (start > 0) {
      const entries = await reader.snapshot(start);
      const h = headers[start - 1]!;
      store.initialize(meta, h, entries, entryKey);
      snapshot = start;
      log.info({checkpoint: start, entries: entries.length}, "state snapshot loaded from the archive");
    } else {
      store.initialize(meta, genesis.header, genesis.entries, entryKey);
    }
  }

  // 3. Replay the rest, one checkpoint's tx sets at a time.
  const applier = applierFor(store, config);
  let replayed = 0;
  let seq = store.latestHeader().seq + 1;
  while (seq <= to) {
    const cp = checkpointOf(seq);
    const sets = await reader.txSets(cp);
    for (; seq <= Math.min(to, cp); seq++) {
      const h = headers[seq - 1]!;
      const set = sets.get(seq);
      if (set === undefined) throw new HistoryError(HistoryErrorCode.MISSING, `checkpoint ${cp} has no tx set for ledger ${seq}`, {seq});
      try {
        await applier.applyLedger({seq, txs: {envelopes: set.envelopes}, closeTime: h.closeTime, baseFeeCharged: set.baseFeeCharged, expectedHash: h.hash});
      } catch (err) {
        throw new HistoryError(HistoryErrorCode.HASH_MISMATCH, `replaying ledger ${seq} from the archive failed: ${(err as Error).message}`, {seq});
      }
      replayed++;
    }
  }
  const last = store.latestHeader();
  log.info({from, snapshot, to: last.seq, replayed, hash: last.hash}, "caught up from the history archive");
  return {from, snapshot, to: last.seq, hash: last.hash, replayed};
}
