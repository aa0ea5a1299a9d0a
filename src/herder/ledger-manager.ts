/**
 * The ledger manager: the one place ledgers are applied. A ledger (from consensus or replayed by
 * catch-up) is closed (`closeLedgerSteps`, deterministic), committed in one LMDB write together
 * with its tx set, and announced on `LedgerEvents` once durable.
 *
 * The close runs in slices of about `closeSliceMs` with the event loop running in between
 * (setImmediate): a ledger of a few thousand txs takes hundreds of ms to apply, and in one turn
 * it would hold back every HTTP request, admission, verify hand-off and SCP message meanwhile,
 * leaving the other core idle. Between slices the close's changes live only in its private
 * LedgerTxn; everyone else reads the last committed ledger, as during the commit's own async
 * window, and `closing` is true from the first slice to the durable commit.
 *
 * Externalized values are queued by slot and drained on a later turn of the event loop
 * (setImmediate), never inside SCP's call stack: SCP may still be updating the slot's state
 * when it reports the value, and a close can take tens of milliseconds. A value whose tx set
 * this node does not hold yet waits in the queue until the tx set arrives (`drain()` again).
 */
import type {Logger} from "pino";
import type {LedgerStore} from "../store/ledger-store.js";
import {ledgerCommit, prepareMetaBytes} from "../store/records.js";
import type {Metrics} from "../metrics/metrics.js";
import type {LedgerHeader, NetworkConfig} from "../ledger/types.js";
import type {LedgerCloseResult, TxFrame} from "../tx/interface.js";
import {decodeTxFrame} from "../tx/frame.js";
import {closeLedgerSteps} from "../ledger/close.js";
import {HerderError, HerderErrorCode} from "./errors.js";
import type {LedgerEvents} from "./events.js";
import type {ClosedLedger} from "./interface.js";
import type {TxSet} from "./tx-set.js";
import {DEFAULT_CLOSE_SLICE_MS} from "./options.js";

/** One ledger to apply on top of the last closed one. */
export interface LedgerToApply {
  seq: number;
  /** The tx set as decoded frames (consensus) or as envelope XDR (a fetched ledger). */
  txs: {frames: TxFrame[]} | {envelopes: Buffer[]};
  closeTime: number;
  /** Fee per operation charged (int64). */
  baseFeeCharged: bigint;
  /** A fetched ledger's header hash: the ledger is applied only if it reproduces it. */
  expectedHash?: string;
}

/** Runs resumable steps to their end; after a slice of `sliceMs` (0: never) the event loop runs first. */
export async function driveSteps<T>(steps: Generator<void, T, void>, sliceMs: number, onSlice?: (ms: number) => void): Promise<T> {
  for (;;) {
    const start = performance.now();
    const end = start + sliceMs;
    for (;;) {
      const r = steps.next();
      if (r.done === true) {
        onSlice?.(performance.now() - start);
        return r.value;
      }
      if (sliceMs > 0 && performance.now() >= end) break;
    }
    onSlice?.(performance.now() - start);
    await nextTurn();
  }
}

/**
 * The close's steps, then its header checked against `expectedHash`, then each tx's meta encoded
 * in the stored form, a step per tx: the history write in the commit's single turn then finds
 * those bytes made (records.ts keeps them per close) instead of encoding them there.
 */
function* closeAndPrepareSteps(steps: Generator<void, LedgerCloseResult, void>, l: LedgerToApply): Generator<void, LedgerCloseResult, void> {
  const result = yield* steps;
  if (l.expectedHash !== undefined && result.header.hash !== l.expectedHash) {
    throw new HerderError(HerderErrorCode.HASH_MISMATCH, `ledger ${l.seq} replayed to header ${result.header.hash}, expected ${l.expectedHash}`, {
      seq: l.seq,
      got: result.header.hash,
      expected: l.expectedHash,
    });
  }
  for (let i = 0; i < result.applied.length; i++) {
    prepareMetaBytes(result, i);
    yield;
  }
  return result;
}

/** Resolves on a later turn of the event loop, after the I/O that is ready now has been handled. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

interface Externalized {
  txSetHashHex: string;
  closeTime: number;
}

export interface LedgerManagerModules {
  store: LedgerStore;
  config: NetworkConfig;
  metrics: Metrics;
  log: Logger;
  events: LedgerEvents;
  /** Tx sets this node holds, by hash hex (built locally or fetched from peers). */
  txSets: (hashHex: string) => TxSet | undefined;
}

export class LedgerManager {
  private readonly externalizedQueue = new Map<number, Externalized>();
  private drainScheduled = false;
  /** A ledger is being closed or committed (from its first slice until its commit settles). */
  private busy = false;
  /** The close or commit in flight, settled either way; stop() waits for it before the store closes. */
  private inFlight: Promise<unknown> | null = null;
  private stopped = false;
  private failure: Error | null = null;
  private readonly missingListeners: Array<(slot: number, txSetHashHex: string) => void> = [];
  private readonly aheadListeners: Array<(slot: number) => void> = [];

  constructor(
    private readonly opts: {checkInvariants: boolean; closeSliceMs?: number},
    private readonly modules: LedgerManagerModules,
  ) {}

  /**
   * Applies no more ledgers and resolves once the close or commit in flight (if any) has settled,
   * so the store is not closed under it: a close under way runs to its commit, which finishes and
   * is durable, or fails as before.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.externalizedQueue.clear();
    while (this.inFlight !== null) await this.inFlight;
  }

  /** A ledger is being closed or committed: reads still show the previous one. */
  get closing(): boolean {
    return this.busy;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Told when the next ledger's value is externalized but its tx set is unknown here (fetch it). */
  onMissingTxSet(cb: (slot: number, txSetHashHex: string) => void): void {
    this.missingListeners.push(cb);
  }

  /** Told when a slot beyond the next ledger externalized: this node lags (catch up). */
  onAhead(cb: (slot: number) => void): void {
    this.aheadListeners.push(cb);
  }

  /** Slots externalized and not applied yet, ascending. */
  waitingSlots(): number[] {
    return [...this.externalizedQueue.keys()].sort((a, b) => a - b);
  }

  /**
   * The newest ledger whose hash the quorum vouches for: for the newest externalized slot whose
   * tx set this node holds, the ledger that tx set builds on (a tx set's hash covers the hash of
   * the ledger before it). Catch-up fetches a chain from peers only up to this.
   */
  trustedLedger(): {seq: number; hash: string} | undefined {
    const slots = this.waitingSlots();
    for (let i = slots.length - 1; i >= 0; i--) {
      const slot = slots[i]!;
      const set = this.modules.txSets(this.externalizedQueue.get(slot)!.txSetHashHex);
      if (set !== undefined) return {seq: slot - 1, hash: set.prevHash};
    }
    return undefined;
  }

  /** The newest externalized slot not applied yet and the tx set it names. */
  newestWaiting(): {slot: number; txSetHashHex: string} | undefined {
    const slots = this.waitingSlots();
    const slot = slots[slots.length - 1];
    return slot === undefined ? undefined : {slot, txSetHashHex: this.externalizedQueue.get(slot)!.txSetHashHex};
  }

  /** Tx set hashes (hex) named by externalized slots not applied yet: the herder keeps those sets. */
  waitingTxSets(): Set<string> {
    return new Set([...this.externalizedQueue.values()].map((e) => e.txSetHashHex));
  }

  /** Queues an externalized value; it is applied on a later turn of the event loop. */
  externalized(slot: number, txSetHashHex: string, closeTime: number): void {
    if (this.failure !== null) return;
    if (slot <= this.modules.store.latestHeader().seq) return;
    if (!this.externalizedQueue.has(slot)) this.externalizedQueue.set(slot, {txSetHashHex, closeTime});
    this.drain();
  }

  /** Schedules applying the queued values that can be applied now. */
  drain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drainNow();
    });
  }

  private drainNow(): void {
    if (this.busy || this.failure !== null || this.stopped) return;
    const {store, log} = this.modules;
    const lcl = store.latestHeader().seq;
    for (const slot of this.externalizedQueue.keys()) if (slot <= lcl) this.externalizedQueue.delete(slot);
    const next = this.externalizedQueue.get(lcl + 1);
    if (next === undefined) {
      const ahead = this.waitingSlots();
      if (ahead.length > 0) for (const cb of this.aheadListeners) cb(ahead[ahead.length - 1]!);
      return;
    }
    const set = this.modules.txSets(next.txSetHashHex);
    if (set === undefined) {
      for (const cb of this.missingListeners) cb(lcl + 1, next.txSetHashHex);
      return;
    }
    this.externalizedQueue.delete(lcl + 1);
    this.applyLedger({seq: lcl + 1, txs: {frames: set.frames}, closeTime: next.closeTime, baseFeeCharged: set.baseFeeCharged}).catch((err: unknown) =>
      log.error({err, slot: lcl + 1}, "externalized ledger not applied"),
    );
  }

  /**
   * Closes and commits one ledger. Rejects, changing nothing, when it is not the next ledger, a
   * close is in progress, an envelope is unreadable or the header is not the expected one; a
   * failed commit stops ledger closing for good (fatal event) and rejects too.
   */
  applyLedger(l: LedgerToApply): Promise<ClosedLedger> {
    const {store, config} = this.modules;
    if (this.failure !== null) return Promise.reject(new HerderError(HerderErrorCode.FAILED, "ledger closing has stopped after a failed commit"));
    if (this.stopped) return Promise.reject(new HerderError(HerderErrorCode.STOPPED, "the node is stopping: no ledger is applied", {seq: l.seq}));
    if (this.busy) return Promise.reject(new HerderError(HerderErrorCode.BUSY, "a ledger close is in progress", {seq: l.seq}));
    const prev = store.latestHeader();
    if (l.seq !== prev.seq + 1) {
      return Promise.reject(new HerderError(HerderErrorCode.OUT_OF_ORDER, `ledger ${l.seq} is not the next ledger (last closed ${prev.seq})`, {seq: l.seq, lcl: prev.seq}));
    }
    let frames: TxFrame[];
    if ("frames" in l.txs) {
      frames = l.txs.frames;
    } else {
      try {
        frames = l.txs.envelopes.map((e) => decodeTxFrame(e, config.networkId));
      } catch (err) {
        return Promise.reject(new HerderError(HerderErrorCode.BAD_LEDGER, `ledger ${l.seq} holds an unreadable envelope: ${(err as Error).message}`, {seq: l.seq}));
      }
    }
    this.busy = true;
    const settled = this.closeAndCommit(l, prev, frames);
    const tracked: Promise<unknown> = settled
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        if (this.inFlight === tracked) this.inFlight = null;
      });
    this.inFlight = tracked;
    return settled;
  }

  /** The close in slices, then the commit; `busy` is already set and is cleared here either way. */
  private async closeAndCommit(l: LedgerToApply, prev: LedgerHeader, frames: TxFrame[]): Promise<ClosedLedger> {
    const {store, config, log, metrics} = this.modules;
    const t0 = performance.now();
    let result: LedgerCloseResult;
    let longest = 0;
    let slices = 0;
    /** Main-thread time of the slices: the apply's own work, without the turns given to others. */
    let busyMs = 0;
    try {
      const steps = closeLedgerSteps(store, prev, frames, {
        closeTime: l.closeTime,
        config,
        baseFeeCharged: l.baseFeeCharged,
        checkInvariants: this.opts.checkInvariants,
        onApplyOrder: (seq, ordered) => this.modules.events.emitCloseStarted({seq, closeTime: l.closeTime, frames: ordered}),
      });
      result = await driveSteps(closeAndPrepareSteps(steps, l), this.opts.closeSliceMs ?? DEFAULT_CLOSE_SLICE_MS, (ms) => {
        slices++;
        busyMs += ms;
        if (ms > longest) longest = ms;
      });
    } catch (err) {
      // Nothing was written: the close's changes were only in its own LedgerTxn.
      this.busy = false;
      throw err instanceof Error ? err : new Error(String(err));
    }
    const t1 = performance.now();
    metrics.closeSlices.observe(slices);
    // The records and the commit's batch are one more turn of their own (one LMDB write: not cut).
    if ((this.opts.closeSliceMs ?? DEFAULT_CLOSE_SLICE_MS) > 0) await nextTurn();
    const tc = performance.now();
    // A commit that throws before returning its promise fails the same way as one that rejects.
    let committed: Promise<void>;
    try {
      const commit = ledgerCommit(result);
      commit.txSet = {
        seq: l.seq,
        closeTime: l.closeTime,
        baseFeeCharged: l.baseFeeCharged,
        envelopes: result.frames.map((f) => f.envelopeXdr),
      };
      committed = store.commitLedger(commit, result.frames.map((f) => f.hashHex));
    } catch (err) {
      committed = Promise.reject(err);
    }
    const commitTurnMs = performance.now() - tc;
    metrics.closeCommitTurnSeconds.observe(commitTurnMs / 1000);
    metrics.closeLongestSliceSeconds.observe(longest / 1000);
    try {
      await committed;
    } catch (err) {
      this.failStop(err, l.seq);
      throw this.failure!;
    }
    this.busy = false;
    const t2 = performance.now();
    const closed: ClosedLedger = {header: result.header, result, closeMs: t2 - t0, baseFeeCharged: l.baseFeeCharged};
    this.recordMetrics(closed, t0, t1, t2);
    log.info(
      {seq: result.header.seq, txs: result.frames.length, failed: result.header.failedTxCount, applyMs: Math.round(t1 - t0), applyBusyMs: Math.round(busyMs), slices, longestSliceMs: Math.round(longest), commitTurnMs: Math.round(commitTurnMs), ms: Math.round(t2 - t0)},
      "ledger closed",
    );
    this.modules.events.emitClosed(closed);
    // Values externalized meanwhile (or waiting for a replayed ledger) apply next.
    if (this.externalizedQueue.size > 0) this.drain();
    return closed;
  }

  private recordMetrics(c: ClosedLedger, t0: number, t1: number, t2: number): void {
    const {metrics} = this.modules;
    const failed = c.result.applied.filter((a) => !a.successful).length;
    metrics.ledgersClosed.inc();
    metrics.ledgerSeq.set(c.header.seq);
    metrics.txsApplied.inc({result: "success"}, c.result.frames.length - failed);
    metrics.txsApplied.inc({result: "failed"}, failed);
    metrics.opsApplied.inc(c.header.opCount);
    metrics.applySeconds.observe((t1 - t0) / 1000);
    metrics.commitSeconds.observe((t2 - t1) / 1000);
    metrics.closeSeconds.observe((t2 - t0) / 1000);
  }

  /**
   * The ledger is not on disk: stop closing ledgers rather than diverge from what is stored, and
   * tell the listeners (the herder refuses submissions, the process exits). A restart resumes
   * from the last commit.
   */
  private failStop(err: unknown, seq: number): void {
    const {log, metrics} = this.modules;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.externalizedQueue.clear();
    metrics.ledgerCommitFailed.inc();
    log.fatal({err, slot: seq}, "ledger commit failed; the node stops closing ledgers and must be restarted");
    this.modules.events.emitFatal(this.failure);
  }
}
