/**
 * The herder turns submitted envelopes into closed ledgers. It owns, on the main thread:
 * admission (verdict from the signature pool, checks against the last closed ledger and the queue,
 * durable record of the acknowledged envelope), the queue, the ledger timer, driving SCP for each
 * slot, applying the externalized tx set, the one LMDB commit per ledger, and telling waiting
 * submitters and listeners about it.
 */
import type {Logger} from "pino";
import type {LedgerHeader, NetworkConfig} from "../ledger/types.js";
import type {LedgerStore} from "../store/ledger-store.js";
import {ledgerCommit} from "../store/records.js";
import type {Metrics} from "../metrics/metrics.js";
import type {SignatureVerifier} from "../verify/interface.js";
import type {SubmitOutcome, TxSubmitter, FeeStatsSource} from "../api/interface.js";
import type {CheckFailure, LedgerCloseResult, TxFrame} from "../tx/interface.js";
import {decodeTxFrame} from "../tx/frame.js";
import {checkValid, insufficientFeeFailure} from "../tx/check.js";
import {closeLedger} from "../ledger/close.js";
import {TxQueue, feeOps, replaceByFeeMinimum, type QueuedTx} from "./tx-queue.js";
import {defaultHerderOptions, type HerderOptions} from "./options.js";
import {makeTxSet, trimInvalid, type TrimmedTx, type TxSet} from "./tx-set.js";
import {MAX_CLOSE_TIME_DRIFT_S, type Consensus} from "./consensus.js";
import {DiamanteError} from "../util/errors.js";

/** Admission of one envelope: the immediate answer and, when asked for, the ledger outcome. */
export interface Admission {
  outcome: SubmitOutcome;
  /** Present when admit() was called with `wait` and the tx is (or will be) in a ledger. */
  included?: Promise<SubmitOutcome>;
}

export interface ClosedLedger {
  header: LedgerHeader;
  result: LedgerCloseResult;
  closeMs: number;
}

interface Waiter {
  promise: Promise<SubmitOutcome>;
  resolve: (o: SubmitOutcome) => void;
}

/** Envelopes larger than this are not transactions we could apply (Stellar's limit is 100 ops). */
const MAX_ENVELOPE_BYTES = 64 * 1024;
/** Fee statistics cover the last 5 ledgers, as Horizon's /fee_stats does. */
const FEE_STATS_LEDGERS = 5;

export class Herder implements TxSubmitter, FeeStatsSource {
  readonly queue: TxQueue;
  private readonly opts: HerderOptions;
  private readonly waiters = new Map<string, Waiter>();
  private readonly txSets = new Map<string, TxSet>();
  private readonly listeners: Array<(c: ClosedLedger) => void> = [];
  private readonly feeHistory: Array<{ledger: number; baseFee: bigint; feesPerOp: bigint[]; capacityUsage: number}> = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** A ledger is applied and its LMDB commit is in flight: no new ledger, no state change visible yet. */
  private closing = false;
  private lastTrigger = 0;
  private consensus: Consensus | null = null;
  /** Set when a ledger could not be committed: the node has stopped and only waits to exit. */
  private failure: Error | null = null;
  private readonly fatalListeners: Array<(err: Error) => void> = [];

  constructor(
    opts: Partial<HerderOptions>,
    private readonly modules: {
      store: LedgerStore;
      verifier: SignatureVerifier;
      config: NetworkConfig;
      metrics: Metrics;
      log: Logger;
    },
  ) {
    this.opts = {...defaultHerderOptions, ...opts};
    const {config} = modules;
    this.queue = new TxQueue(config.maxTxSetSize * this.opts.queueLedgers, this.opts.maxPendingPerAccount);
  }

  setConsensus(c: Consensus): void {
    this.consensus = c;
  }

  onLedgerClosed(cb: (c: ClosedLedger) => void): void {
    this.listeners.push(cb);
  }

  /**
   * Called once if the node can no longer close ledgers (a ledger commit failed). The process is
   * expected to exit so a supervisor restarts it from the last durable ledger.
   */
  onFatal(cb: (err: Error) => void): void {
    this.fatalListeners.push(cb);
  }

  /** The error that stopped ledger closing, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Re-admits envelopes acknowledged before a restart, then starts the ledger timer. */
  async start(): Promise<void> {
    await this.replayPending();
    this.running = true;
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // ---- submission

  async submit(envelopeBase64: string, wait: boolean): Promise<SubmitOutcome> {
    const envelope = decodeBase64(envelopeBase64);
    if (!envelope) return {status: "ERROR", hash: "", error: "tx is not valid base64", envelopeXdr: envelopeBase64};
    const adm = await this.admit(envelope, {wait});
    if (!wait || !adm.included) return adm.outcome;
    // As Horizon: a submitter is not held forever; past the timeout it gets the admission answer
    // (the API turns a still-pending tx into 504 timeout) and the tx stays queued.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SubmitOutcome>((resolve) => {
      timer = setTimeout(() => resolve(adm.outcome), this.opts.submitTimeoutMs);
    });
    try {
      return await Promise.race([adm.included, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `wait`: also return a promise of the ledger outcome (registered before any ledger can settle
   * the tx; async submitters skip it, so settling costs them nothing). `persist`: record the
   * envelope as pending (false only when replaying records that already exist).
   */
  async admit(envelope: Buffer, {wait = false, persist = true}: {wait?: boolean; persist?: boolean} = {}): Promise<Admission> {
    const b64 = () => envelope.toString("base64");
    if (this.failure !== null) {
      // Nothing admitted now could be applied: the answer is 503, as for a node that is down.
      this.modules.metrics.queueRejected.inc({reason: "node_failed"});
      return {outcome: {status: "TRY_AGAIN_LATER", hash: ""}};
    }
    if (envelope.length === 0 || envelope.length > MAX_ENVELOPE_BYTES) {
      this.modules.metrics.queueRejected.inc({reason: "malformed"});
      return {outcome: {status: "ERROR", hash: "", error: "envelope is empty or too large", envelopeXdr: b64()}};
    }
    let verdict;
    try {
      verdict = await this.modules.verifier.verify(envelope);
    } catch (err) {
      // A full verification queue is back-pressure; anything else (a worker died) is logged.
      if (!(err instanceof DiamanteError && err.code === "verify_pool_full")) this.modules.log.error({err}, "signature verification failed");
      this.modules.metrics.queueRejected.inc({reason: "verify_busy"});
      return {outcome: {status: "TRY_AGAIN_LATER", hash: ""}};
    }
    if (!verdict.ok) {
      this.modules.metrics.queueRejected.inc({reason: "malformed"});
      return {outcome: {status: "ERROR", hash: "", error: verdict.error.message, envelopeXdr: b64()}};
    }
    return this.admitFrame(verdict.frame, persist, wait);
  }

  /** Synchronous part of admission: nothing can interleave between the checks and the enqueue. */
  private async admitFrame(frame: TxFrame, persist: boolean, wait: boolean): Promise<Admission> {
    const {store, metrics} = this.modules;
    const hash = frame.hashHex;
    if (this.queue.has(hash)) {
      return {outcome: {status: "DUPLICATE", hash}, included: wait ? this.waiterFor(hash).promise : undefined};
    }
    const done = store.tx(hash);
    if (done) {
      const o: SubmitOutcome = {
        status: done.successful ? "SUCCESS" : "FAILED",
        hash,
        ledger: done.ledger,
        envelopeXdr: done.envelopeXdr,
        resultXdr: done.resultXdr,
        resultCodes: done.resultCodes,
      };
      return {outcome: {status: "DUPLICATE", hash}, included: Promise.resolve(o)};
    }
    const sameSeq = this.queue.atSeq(frame.sourceAccount, frame.seqNum);
    if (sameSeq !== undefined) {
      if (frame.isFeeBump) return this.replaceByFee(frame, sameSeq, persist, wait);
      // The inner tx of a queued fee-bump is that fee-bump's duplicate.
      if (sameSeq.frame.isFeeBump && sameSeq.frame.innerHash.equals(frame.hash)) {
        return {outcome: {status: "DUPLICATE", hash}, included: wait ? this.waiterFor(sameSeq.frame.hashHex).promise : undefined};
      }
    }
    const source = store.account(frame.sourceAccount);
    const failure = checkValid(frame, store, {
      header: store.latestHeader(),
      config: this.modules.config,
      closeTime: this.nextCloseTime(),
      minSeqAgeCloseTime: store.latestHeader().closeTime,
      queuedAhead: 0,
      ...this.followsOf(frame, source?.seqNum),
      queuedFees: this.queue.queuedFees(frame.feeSource),
    });
    if (failure) return this.refused(frame, failure);
    const added = this.queue.add(frame, performance.now());
    if (added !== "added") {
      metrics.queueRejected.inc({reason: added});
      return {outcome: {status: "TRY_AGAIN_LATER", hash}};
    }
    metrics.queueLength.set(this.queue.size);
    const included = wait ? this.waiterFor(hash).promise : undefined;
    if (persist) await store.addPending(hash, frame.envelopeXdr);
    return {outcome: {status: "PENDING", hash}, included};
  }

  /** An admission error: the check's codes and result XDR, counted by code. */
  private refused(frame: TxFrame, f: CheckFailure): Admission {
    this.modules.metrics.queueRejected.inc({reason: f.resultCodes.transaction});
    return {
      outcome: {
        status: "ERROR",
        hash: frame.hashHex,
        envelopeXdr: frame.envelopeXdr.toString("base64"),
        resultXdr: f.resultXdr.toString("base64"),
        resultCodes: f.resultCodes,
      },
    };
  }

  /**
   * stellar-core's replace-by-fee: a fee-bump for a queued tx (same source and sequence number)
   * takes its place when it bids at least FEE_MULTIPLIER times its fee per operation and is valid
   * as if the txs ahead of it had applied. The replaced tx's waiting submitter gets the fee-bump's
   * outcome: the fee-bump carries the same inner tx.
   */
  private async replaceByFee(frame: TxFrame, old: QueuedTx, persist: boolean, wait: boolean): Promise<Admission> {
    const {store, metrics, log} = this.modules;
    const hash = frame.hashHex;
    const refuse = (f: CheckFailure): Admission => this.refused(frame, f);
    const minimum = replaceByFeeMinimum(frame, old.frame);
    if (minimum !== null) return refuse(insufficientFeeFailure(frame, minimum));
    const source = store.account(frame.sourceAccount);
    const prev = this.queue.before(old);
    const releasedFee = old.frame.feeSource === frame.feeSource ? old.frame.maxFee : 0n;
    const failure = checkValid(frame, store, {
      header: store.latestHeader(),
      config: this.modules.config,
      closeTime: this.nextCloseTime(),
      minSeqAgeCloseTime: store.latestHeader().closeTime,
      queuedAhead: 0,
      ...(prev !== undefined && source !== undefined && prev.frame.seqNum > source.seqNum ? {followsSeq: prev.frame.seqNum} : {}),
      queuedFees: this.queue.queuedFees(frame.feeSource) - releasedFee,
    });
    if (failure) return refuse(failure);
    const replaced = this.queue.replace(old, frame, performance.now());
    if (replaced !== "added") {
      metrics.queueRejected.inc({reason: replaced});
      return {outcome: {status: "TRY_AGAIN_LATER", hash}};
    }
    metrics.queueDropped.inc({reason: "replaced_by_fee"});
    metrics.queueLength.set(this.queue.size);
    log.debug({tx: old.frame.hashHex, by: hash}, "queued tx replaced by a fee-bump");
    if (this.waiters.has(old.frame.hashHex)) {
      void this.waiterFor(hash).promise.then((o) => this.settle(old.frame.hashHex, o));
    }
    const included = wait ? this.waiterFor(hash).promise : undefined;
    if (persist) {
      await store.addPending(hash, frame.envelopeXdr);
      await store.removePending(old.frame.hashHex);
    }
    return {outcome: {status: "PENDING", hash}, included};
  }

  /**
   * The sequence number a new tx of `frame`'s account must follow when some of its txs are queued:
   * the last queued one, while it is ahead of the state admission reads (LMDB may already hold
   * the sequence numbers of a ledger whose commit is in flight while the queue still has its txs).
   */
  private followsOf(frame: TxFrame, currentSeq: bigint | undefined): {followsSeq?: bigint} {
    const last = this.queue.lastSeq(frame.sourceAccount);
    return last !== undefined && currentSeq !== undefined && last > currentSeq ? {followsSeq: last} : {};
  }

  private waiterFor(hash: string): Waiter {
    let w = this.waiters.get(hash);
    if (!w) {
      let resolve!: (o: SubmitOutcome) => void;
      const promise = new Promise<SubmitOutcome>((r) => (resolve = r));
      w = {promise, resolve};
      this.waiters.set(hash, w);
    }
    return w;
  }

  private settle(hash: string, o: SubmitOutcome): void {
    const w = this.waiters.get(hash);
    if (w) {
      this.waiters.delete(hash);
      w.resolve(o);
    }
  }

  /**
   * Envelopes acknowledged before a crash or stop and not yet in a ledger. They were checked once;
   * they are checked again against today's ledger (some may have become invalid) and queued in
   * sequence order.
   */
  private async replayPending(): Promise<void> {
    const {store, log} = this.modules;
    const pending = store.pendingEnvelopes();
    if (pending.length === 0) return;
    const frames: Array<{frame: TxFrame; envelope: Buffer}> = [];
    for (const p of pending) {
      try {
        frames.push({frame: decodeTxFrame(p.envelope, this.modules.config.networkId), envelope: p.envelope});
      } catch {
        await store.removePending(p.hash);
      }
    }
    frames.sort((a, b) => (a.frame.seqNum < b.frame.seqNum ? -1 : a.frame.seqNum > b.frame.seqNum ? 1 : 0));
    let requeued = 0;
    for (const {frame, envelope} of frames) {
      const adm = await this.admit(envelope, {persist: false});
      if (adm.outcome.status === "PENDING") requeued++;
      else if (adm.outcome.status !== "DUPLICATE" || store.tx(frame.hashHex)) await store.removePending(frame.hashHex);
    }
    log.info({pending: pending.length, requeued}, "replayed acknowledged transactions");
  }

  // ---- ledger timer and consensus

  /**
   * Unix seconds for the next close: max(now, last + 1), as stellar-core. Close times strictly
   * increase, so with ledgers closing faster than one a second they run ahead of the wall clock.
   */
  nextCloseTime(): number {
    const last = this.modules.store.latestHeader().closeTime;
    return Math.max(last + 1, Math.floor(Date.now() / 1000));
  }

  private scheduleNext(): void {
    if (!this.running) return;
    const due = this.lastTrigger + this.opts.closeIntervalMs;
    const delay = Math.max(0, due - performance.now());
    this.timer = setTimeout(() => this.triggerNextLedger(), delay);
  }

  /** Proposes the next ledger's tx set to consensus. */
  private triggerNextLedger(): void {
    this.timer = null;
    if (!this.running || !this.consensus || this.closing) return;
    // Sub-second intervals push close times ahead of the clock; a value further ahead than peers
    // accept would be refused, so wait until the clock catches up to within the allowed drift.
    const aheadS = this.nextCloseTime() - Math.floor(Date.now() / 1000) - MAX_CLOSE_TIME_DRIFT_S;
    if (aheadS > 0) {
      this.timer = setTimeout(() => this.triggerNextLedger(), aheadS * 1000);
      return;
    }
    this.lastTrigger = performance.now();
    const lcl = this.modules.store.latestHeader();
    const {config} = this.modules;
    const closeTime = this.nextCloseTime();
    this.dropInvalid(trimInvalid(this.queue.accountQueues(), this.modules.store, {header: lcl, config, closeTime}));
    const sel = this.queue.select(config.maxTxSetSize, config.baseFee);
    const txSet = makeTxSet(lcl.hash, sel.txs.map((q) => q.frame), sel.ops, sel.baseFeeCharged);
    this.txSets.set(txSet.hashHex, txSet);
    try {
      this.consensus.propose(lcl.seq + 1, txSet, closeTime);
    } catch (e) {
      this.modules.log.error({err: e, slot: lcl.seq + 1}, "consensus refused to nominate");
    }
    // A standalone quorum externalizes inside propose(); the end of the close reschedules.
    if (!this.closing) this.scheduleNext();
  }

  lastClosed(): LedgerHeader {
    return this.modules.store.latestHeader();
  }

  /** A tx set this node built or received, by hash (consensus validates values against these). */
  txSet(hashHex: string): TxSet | undefined {
    return this.txSets.get(hashHex);
  }

  /**
   * Called by consensus when a slot externalizes: apply (synchronous, deterministic), then one
   * LMDB commit off the main thread; only once it is durable are submitters told, the queue
   * trimmed and the next ledger started. Until then admission keeps checking against the
   * previous ledger plus the queue, which still holds the applied txs: the same view.
   */
  externalized(slot: number, txSetHashHex: string, closeTime: number): void {
    const {store, log, config} = this.modules;
    const prev = store.latestHeader();
    if (this.closing || slot !== prev.seq + 1) {
      log.warn({slot, lcl: prev.seq, closing: this.closing}, "externalized slot is not the next ledger; ignored");
      return;
    }
    const set = this.txSets.get(txSetHashHex);
    if (!set) {
      log.error({slot, txSet: txSetHashHex}, "externalized tx set is unknown");
      return;
    }
    const t0 = performance.now();
    const result = closeLedger(store, prev, set.frames, {
      closeTime,
      config,
      baseFeeCharged: set.baseFeeCharged,
      checkInvariants: this.opts.checkInvariants,
    });
    const t1 = performance.now();
    const commit = ledgerCommit(result);
    this.closing = true;
    this.txSets.clear();
    // A commit that throws before returning its promise fails the same way as one that rejects.
    let committed: Promise<void>;
    try {
      committed = store.commitLedger(commit, result.frames.map((f) => f.hashHex));
    } catch (err) {
      committed = Promise.reject(err);
    }
    committed.then(
      () => {
        this.closing = false;
        this.finishClose(result, set, t0, t1);
      },
      (err: unknown) => this.failStop(err, slot),
    );
  }

  /**
   * The ledger is not on disk and the queue still holds its txs: stop closing ledgers rather than
   * diverge from what is stored, refuse submissions (503), answer every waiting submitter the
   * same, and tell the process to exit. A restart resumes from the last commit and replays the
   * acknowledged envelopes.
   */
  private failStop(err: unknown, slot: number): void {
    const {log, metrics} = this.modules;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    metrics.ledgerCommitFailed.inc();
    log.fatal({err, slot, waiting: this.waiters.size}, "ledger commit failed; the node stops closing ledgers and must be restarted");
    for (const hash of [...this.waiters.keys()]) this.settle(hash, {status: "TRY_AGAIN_LATER", hash});
    for (const cb of this.fatalListeners) {
      try {
        cb(this.failure);
      } catch (e) {
        log.error({err: e}, "fatal listener failed");
      }
    }
  }

  private finishClose(result: LedgerCloseResult, set: TxSet, t0: number, t1: number): void {
    const {metrics, log, config} = this.modules;
    const t2 = performance.now();
    let failed = 0;
    const feesPerOp: bigint[] = [];
    result.frames.forEach((frame, i) => {
      const applied = result.applied[i];
      const q = this.queue.remove(frame.hashHex);
      if (q) metrics.submitToConfirmSeconds.observe((t2 - q.admittedAt) / 1000);
      if (!applied.successful) failed++;
      feesPerOp.push(frame.maxFee / BigInt(feeOps(frame)));
      if (!this.waiters.has(frame.hashHex)) return;
      this.settle(frame.hashHex, {
        status: applied.successful ? "SUCCESS" : "FAILED",
        hash: frame.hashHex,
        ledger: result.header.seq,
        envelopeXdr: frame.envelopeXdr.toString("base64"),
        resultXdr: applied.resultXdr.toString("base64"),
        resultCodes: applied.resultCodes,
      });
    });
    this.dropStale(result.header);

    this.feeHistory.push({
      ledger: result.header.seq,
      baseFee: set.baseFeeCharged,
      feesPerOp,
      capacityUsage: set.ops / config.maxTxSetSize,
    });
    if (this.feeHistory.length > FEE_STATS_LEDGERS) this.feeHistory.shift();

    metrics.ledgersClosed.inc();
    metrics.ledgerSeq.set(result.header.seq);
    metrics.txsApplied.inc({result: "success"}, result.frames.length - failed);
    metrics.txsApplied.inc({result: "failed"}, failed);
    metrics.opsApplied.inc(result.header.opCount);
    metrics.applySeconds.observe((t1 - t0) / 1000);
    metrics.commitSeconds.observe((t2 - t1) / 1000);
    metrics.closeSeconds.observe((t2 - t0) / 1000);
    metrics.queueLength.set(this.queue.size);
    const closeMs = t2 - t0;
    log.info(
      {seq: result.header.seq, txs: result.frames.length, failed, applyMs: Math.round(t1 - t0), ms: Math.round(closeMs)},
      "ledger closed",
    );
    for (const l of this.listeners) {
      try {
        l({header: result.header, result, closeMs});
      } catch (e) {
        log.error({err: e}, "ledger listener failed");
      }
    }
    this.scheduleNext();
  }

  /**
   * Txs left out of a set being built because they are no longer valid: dropped from the queue
   * (as stellar-core bans them), never charged; a waiting submitter gets the failure's codes.
   */
  private dropInvalid(trimmed: TrimmedTx[]): void {
    if (trimmed.length === 0) return;
    const {store, metrics, log} = this.modules;
    const byCode: Record<string, number> = {};
    for (const {q, failure} of trimmed) {
      const code = failure.resultCodes.innerTransaction?.transaction ?? failure.resultCodes.transaction;
      byCode[code] = (byCode[code] ?? 0) + 1;
      metrics.queueDropped.inc({reason: code});
      this.queue.remove(q.frame.hashHex);
      void store.removePending(q.frame.hashHex);
      log.debug({tx: q.frame.hashHex, code}, "queued tx no longer valid; left out of the tx set");
      this.settle(q.frame.hashHex, {
        status: "ERROR",
        hash: q.frame.hashHex,
        envelopeXdr: q.frame.envelopeXdr.toString("base64"),
        resultXdr: failure.resultXdr.toString("base64"),
        resultCodes: failure.resultCodes,
      });
    }
    metrics.queueLength.set(this.queue.size);
    log.info({dropped: trimmed.length, codes: byCode}, "queued txs no longer valid were dropped when building the tx set");
  }

  /** Queued txs that the new ledger made unappliable (their sequence number is used). */
  private dropStale(header: LedgerHeader): void {
    const {store, config} = this.modules;
    const stale: QueuedTx[] = this.queue.stale((a) => store.account(a)?.seqNum);
    if (stale.length > 0) {
      this.modules.metrics.queueDropped.inc({reason: "stale"}, stale.length);
      this.modules.log.info({dropped: stale.length, ledger: header.seq}, "queued txs whose sequence number was used were dropped");
    }
    for (const q of stale) {
      this.queue.remove(q.frame.hashHex);
      void store.removePending(q.frame.hashHex);
      if (!this.waiters.has(q.frame.hashHex)) continue;
      const failure = checkValid(q.frame, store, {
        header,
        config,
        closeTime: header.closeTime,
        queuedAhead: 0,
        queuedFees: 0n,
      });
      this.settle(q.frame.hashHex, {
        status: "ERROR",
        hash: q.frame.hashHex,
        envelopeXdr: q.frame.envelopeXdr.toString("base64"),
        resultXdr: failure?.resultXdr.toString("base64"),
        resultCodes: failure?.resultCodes ?? {transaction: "tx_bad_seq"},
      });
    }
  }

  recentFees() {
    return this.feeHistory;
  }
}

function decodeBase64(s: string): Buffer | undefined {
  const t = s.trim();
  if (t.length === 0 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, "base64");
}
