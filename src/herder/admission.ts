/**
 * Admission: verify (signature pool) → check against the last closed ledger and the queue →
 * queue → durable pending record, then the answer. Also keeps what admission promised: waiting
 * submitters are settled when their tx's ledger closes, and queued txs that can no longer apply
 * are dropped.
 */
import type {Logger} from "pino";
import type {LedgerHeader, NetworkConfig} from "../ledger/types.js";
import type {LedgerStore} from "../store/ledger-store.js";
import type {Metrics} from "../metrics/metrics.js";
import type {SignatureVerifier} from "../verify/interface.js";
import type {SubmitOutcome} from "../api/interface.js";
import type {CheckFailure, TxFrame} from "../tx/interface.js";
import {decodeTxFrame} from "../tx/frame.js";
import {checkValid, insufficientFeeFailure} from "../tx/check.js";
import {DiamanteError} from "../util/errors.js";
import {HerderError, HerderErrorCode} from "./errors.js";
import {TxQueue, feeOps, replaceByFeeMinimum, type QueuedTx} from "./tx-queue.js";
import {nextCloseTime, type TrimmedTx} from "./tx-set.js";
import type {ClosedLedger} from "./interface.js";

/** Admission of one envelope: the immediate answer and, when asked for, the ledger outcome. */
export interface Admission {
  outcome: SubmitOutcome;
  /** Present when admit() was called with `wait` and the tx is (or will be) in a ledger. */
  included?: Promise<SubmitOutcome>;
}

/** Where an envelope came from: a client of this node, or a peer that flooded it. */
export interface AdmitOptions {
  wait?: boolean;
  /** Record the envelope as pending (false only when replaying records that already exist). */
  persist?: boolean;
  /** The peer that sent it (flooding skips it); absent for local submissions. */
  fromPeer?: string;
}

interface Waiter {
  promise: Promise<SubmitOutcome>;
  resolve: (o: SubmitOutcome) => void;
}

/** Envelopes larger than this are not transactions we could apply (Stellar's limit is 100 ops). */
const MAX_ENVELOPE_BYTES = 64 * 1024;

export class TxAdmission {
  readonly queue: TxQueue;
  private readonly waiters = new Map<string, Waiter>();
  private failure: Error | null = null;
  private readonly admittedListeners: Array<(frame: TxFrame, fromPeer: string | undefined) => void> = [];
  /** Operations the queue may hold while a ledger closes (HerderOptions.closingQueueLedgers). */
  private readonly closingMaxOps: number;

  constructor(
    opts: {queueLedgers: number; closingQueueLedgers: number; maxPendingPerAccount: number},
    private readonly modules: {
      store: LedgerStore;
      verifier: SignatureVerifier;
      config: NetworkConfig;
      metrics: Metrics;
      log: Logger;
      /** A ledger is being closed or committed (absent: never). */
      closing?: () => boolean;
    },
  ) {
    if (!Number.isInteger(opts.closingQueueLedgers) || opts.closingQueueLedgers < 1) {
      throw new HerderError(HerderErrorCode.BAD_CONFIG, `closingQueueLedgers must be a whole number ≥ 1, got ${opts.closingQueueLedgers}`);
    }
    this.queue = new TxQueue(modules.config.maxTxSetSize * opts.queueLedgers, opts.maxPendingPerAccount);
    this.closingMaxOps = modules.config.maxTxSetSize * Math.min(opts.closingQueueLedgers, opts.queueLedgers);
  }

  /** Told of every tx newly queued (the network floods it on, except back to `fromPeer`). */
  onAdmitted(cb: (frame: TxFrame, fromPeer: string | undefined) => void): void {
    this.admittedListeners.push(cb);
  }

  private nextCloseTime(): number {
    return nextCloseTime(this.modules.store.latestHeader().closeTime);
  }

  /**
   * `wait`: also return a promise of the ledger outcome (registered before any ledger can settle
   * the tx; async submitters skip it, so settling costs them nothing).
   */
  async admit(envelope: Buffer, {wait = false, persist = true, fromPeer}: AdmitOptions = {}): Promise<Admission> {
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
    return this.admitFrame(verdict.frame, persist, wait, fromPeer);
  }

  /** Synchronous part of admission: nothing can interleave between the checks and the enqueue. */
  private async admitFrame(frame: TxFrame, persist: boolean, wait: boolean, fromPeer: string | undefined): Promise<Admission> {
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
      if (frame.isFeeBump) return this.replaceByFee(frame, sameSeq, persist, wait, fromPeer);
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
    // While a close runs (all of it, when sliced) the queue is held lower: see closingQueueLedgers.
    if (this.queue.ops + feeOps(frame) > this.closingMaxOps && this.modules.closing?.() === true) {
      metrics.queueRejected.inc({reason: "queue_full_closing"});
      return {outcome: {status: "TRY_AGAIN_LATER", hash}};
    }
    const added = this.queue.add(frame, performance.now());
    if (added !== "added") {
      metrics.queueRejected.inc({reason: added});
      return {outcome: {status: "TRY_AGAIN_LATER", hash}};
    }
    metrics.queueLength.set(this.queue.size);
    const included = wait ? this.waiterFor(hash).promise : undefined;
    this.announce(frame, fromPeer);
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
  private async replaceByFee(frame: TxFrame, old: QueuedTx, persist: boolean, wait: boolean, fromPeer: string | undefined): Promise<Admission> {
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
    this.announce(frame, fromPeer);
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

  private announce(frame: TxFrame, fromPeer: string | undefined): void {
    for (const cb of this.admittedListeners) {
      try {
        cb(frame, fromPeer);
      } catch (e) {
        this.modules.log.error({err: e}, "admission listener failed");
      }
    }
  }

  /**
   * Envelopes acknowledged before a crash or stop and not yet in a ledger. They were checked once;
   * they are checked again against today's ledger (some may have become invalid) and queued in
   * sequence order.
   */
  async replayPending(): Promise<void> {
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

  /** Txs waiting for their ledger's outcome. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * A ledger is durable: its txs leave the queue, their submitters get the outcome, and queued
   * txs whose sequence number it used are dropped.
   */
  ledgerClosed(c: ClosedLedger): void {
    const {metrics} = this.modules;
    const now = performance.now();
    const {result} = c;
    result.frames.forEach((frame, i) => {
      const applied = result.applied[i];
      const q = this.queue.remove(frame.hashHex);
      if (q) metrics.submitToConfirmSeconds.observe((now - q.admittedAt) / 1000);
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
    this.dropStale(c.header);
    metrics.queueLength.set(this.queue.size);
  }

  /**
   * Ledger closing stopped: nothing admitted could be applied. Every waiting submitter and every
   * later one is answered as by a node that is down (503).
   */
  fail(err: Error): void {
    this.failure = err;
    for (const hash of [...this.waiters.keys()]) this.settle(hash, {status: "TRY_AGAIN_LATER", hash});
  }

  /**
   * Txs left out of a set being built because they are no longer valid: dropped from the queue
   * (as stellar-core bans them), never charged; a waiting submitter gets the failure's codes.
   */
  dropInvalid(trimmed: TrimmedTx[]): void {
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

}
