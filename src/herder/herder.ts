/**
 * The herder turns admitted envelopes into proposals and externalized values into closed
 * ledgers. It owns, on the main thread: the ledger timer, building the tx set to propose (trim,
 * surge pricing), the tx sets this node holds (its own and those fetched from peers), and the
 * fee statistics. Admission (`admission.ts`), applying ledgers (`ledger-manager.ts`) and the
 * events (`events.ts`) are its parts; consensus is reached through `ConsensusEngine` and calls
 * back through `ConsensusHost` (`interface.ts`).
 */
import type {Logger} from "pino";
import type {LedgerHeader, NetworkConfig} from "../ledger/types.js";
import type {LedgerStore} from "../store/ledger-store.js";
import type {Metrics} from "../metrics/metrics.js";
import type {SignatureVerifier} from "../verify/interface.js";
import type {SubmitOutcome, TxSubmitter, FeeStatsSource} from "../api/interface.js";
import {feeOps, type QueuedTx, type TxQueue} from "./tx-queue.js";
import type {TxFrame} from "../tx/interface.js";
import {defaultHerderOptions, type HerderOptions} from "./options.js";
import {makeTxSet, nextCloseTime, trimInvalid, type TxSet} from "./tx-set.js";
import {MAX_CLOSE_TIME_DRIFT_S, type ClosedLedger, type ConsensusEngine, type ConsensusHost} from "./interface.js";
import {LedgerEvents, type CloseStarted} from "./events.js";
import {RecentTxSets} from "./recent-tx-sets.js";
import {LedgerManager} from "./ledger-manager.js";
import {TxAdmission, type Admission, type AdmitOptions} from "./admission.js";

export type {Admission, ClosedLedger};

/** Fee statistics cover the last 5 ledgers, as Horizon's /fee_stats does. */
const FEE_STATS_LEDGERS = 5;
/** Tx sets held for the next ledger (own and fetched); more are refused until a ledger closes. */
const MAX_HELD_TX_SETS = 64;

export class Herder implements TxSubmitter, FeeStatsSource, ConsensusHost {
  readonly events: LedgerEvents;
  readonly admission: TxAdmission;
  readonly ledgers: LedgerManager;
  private readonly opts: HerderOptions;
  private readonly txSets = new Map<string, TxSet>();
  /** Applied or outdated tx sets kept to answer peers that are a ledger or two behind. */
  private readonly recentTxSets = new RecentTxSets();
  private readonly feeHistory: Array<{ledger: number; baseFee: bigint; feesPerOp: bigint[]; capacityUsage: number}> = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastTrigger = 0;
  private consensus: ConsensusEngine | null = null;
  /** A watcher follows consensus and never proposes. */
  private proposing = true;
  /** The slot this node last proposed for, and when (performance.now()), until it externalizes. */
  private proposed: {slot: number; at: number} | null = null;

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
    this.events = new LedgerEvents(modules.log);
    this.admission = new TxAdmission(this.opts, {...modules, closing: () => this.ledgers.closing});
    this.ledgers = new LedgerManager(
      {checkInvariants: this.opts.checkInvariants, closeSliceMs: this.opts.closeSliceMs},
      {...modules, events: this.events, txSets: (h) => this.txSets.get(h)},
    );
    // Subscribed first: submitters are settled and the queue trimmed before any other listener runs.
    this.events.onLedgerClosed((c) => this.afterClose(c));
    this.events.onFatal((err) => this.afterFatal(err));
  }

  get queue(): TxQueue {
    return this.admission.queue;
  }

  /** `propose`: false for a watcher, which follows consensus without nominating. */
  setConsensus(c: ConsensusEngine, {propose = true}: {propose?: boolean} = {}): void {
    this.consensus = c;
    this.proposing = propose;
  }

  onLedgerClosed(cb: (c: ClosedLedger) => void): void {
    this.events.onLedgerClosed(cb);
  }

  /** Called when a close has ordered its tx set, before applying it (the stream feed's record worker starts then). */
  onCloseStarted(cb: (s: CloseStarted) => void): void {
    this.events.onCloseStarted(cb);
  }

  /**
   * Called once if the node can no longer close ledgers (a ledger commit failed). The process is
   * expected to exit so a supervisor restarts it from the last durable ledger.
   */
  onFatal(cb: (err: Error) => void): void {
    this.events.onFatal(cb);
  }

  /** The error that stopped ledger closing, if any. */
  get failed(): Error | null {
    return this.ledgers.failed;
  }

  /** Re-admits envelopes acknowledged before a restart, then starts the ledger timer. */
  async start(): Promise<void> {
    await this.admission.replayPending();
    this.running = true;
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ledgers.stop();
  }

  // ---- submission

  async submit(envelopeBase64: string, wait: boolean): Promise<SubmitOutcome> {
    const envelope = decodeBase64(envelopeBase64);
    if (!envelope) return {status: "ERROR", hash: "", error: "tx is not valid base64", envelopeXdr: envelopeBase64};
    const adm = await this.admission.admit(envelope, {wait});
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

  admit(envelope: Buffer, opts: AdmitOptions = {}): Promise<Admission> {
    return this.admission.admit(envelope, opts);
  }

  // ---- ledger timer and consensus

  nextCloseTime(): number {
    return nextCloseTime(this.modules.store.latestHeader().closeTime);
  }

  private scheduleNext(): void {
    if (!this.running || !this.proposing) return;
    if (this.timer) clearTimeout(this.timer);
    const due = this.lastTrigger + this.opts.closeIntervalMs;
    const delay = Math.max(0, due - performance.now());
    this.timer = setTimeout(() => this.triggerNextLedger(), delay);
  }

  /**
   * Proposes the next ledger's tx set to consensus. The next trigger is armed when a ledger
   * closes (whoever's value it was); until then SCP's own timers drive the slot.
   */
  private triggerNextLedger(): void {
    this.timer = null;
    if (!this.running || !this.consensus || this.ledgers.closing) return;
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
    this.admission.dropInvalid(trimInvalid(this.admission.queue.accountQueues(), this.modules.store, {header: lcl, config, closeTime}));
    const sel = this.admission.queue.select(config.maxTxSetSize, config.baseFee);
    const txSet = makeTxSet(lcl.hash, sel.txs.map((q) => q.frame), sel.ops, sel.baseFeeCharged);
    this.txSets.set(txSet.hashHex, txSet);
    this.proposed = {slot: lcl.seq + 1, at: this.lastTrigger};
    try {
      this.consensus.propose(lcl.seq + 1, txSet, closeTime);
    } catch (e) {
      this.modules.log.error({err: e, slot: lcl.seq + 1}, "consensus refused to nominate");
      this.scheduleNext();
    }
  }

  lastClosed(): LedgerHeader {
    return this.modules.store.latestHeader();
  }

  /** A tx set this node built or received, by hash (consensus validates values against these). */
  txSet(hashHex: string): TxSet | undefined {
    return this.txSets.get(hashHex);
  }

  /**
   * Holds a tx set fetched from a peer (its bytes already hashed by the caller). A set is refused
   * when it cannot go into a ledger: too many operations, a fee per operation below the network's
   * or above what one of its txs bids, or a tx no longer valid against the last closed ledger
   * (a set for a later ledger is held unchecked: it is checked again when it is proposed).
   */
  addTxSet(set: TxSet): "held" | "invalid" | "full" {
    if (this.txSets.has(set.hashHex)) return "held";
    const {config, store} = this.modules;
    if (set.ops > config.maxTxSetSize || set.baseFeeCharged < BigInt(config.baseFee)) return "invalid";
    for (const f of set.frames) if (f.maxFee < set.baseFeeCharged * BigInt(feeOps(f))) return "invalid";
    const lcl = store.latestHeader();
    if (set.prevHash === lcl.hash && set.frames.length > 0) {
      const byAccount = new Map<string, QueuedTx[]>();
      for (const f of set.frames) {
        const list = byAccount.get(f.sourceAccount) ?? [];
        list.push({frame: f, ops: feeOps(f), admittedAt: 0});
        byAccount.set(f.sourceAccount, list);
      }
      for (const list of byAccount.values()) list.sort((a, b) => (a.frame.seqNum < b.frame.seqNum ? -1 : a.frame.seqNum > b.frame.seqNum ? 1 : 0));
      if (trimInvalid(byAccount.values(), store, {header: lcl, config, closeTime: this.nextCloseTime()}).length > 0) return "invalid";
    }
    if (this.txSets.size >= MAX_HELD_TX_SETS) return "full";
    this.txSets.set(set.hashHex, set);
    this.ledgers.drain();
    return "held";
  }

  /** A tx set this node holds or applied recently, to answer a peer's request. */
  servedTxSet(hashHex: string): TxSet | undefined {
    return this.txSets.get(hashHex) ?? this.recentTxSets.get(hashHex);
  }

  /** The frame this node decoded and verified for a tx hash, if it is queued. */
  knownFrame(hashHex: string): TxFrame | undefined {
    return this.admission.queue.get(hashHex)?.frame;
  }

  /** ConsensusHost: queued for the ledger manager, applied on a later turn of the event loop. */
  externalized(slot: number, txSetHashHex: string, closeTime: number): void {
    if (this.proposed?.slot === slot) {
      this.modules.metrics.scpProposeToExternalizeSeconds.observe((performance.now() - this.proposed.at) / 1000);
      this.proposed = null;
    }
    this.ledgers.externalized(slot, txSetHashHex, closeTime);
  }

  private afterClose(c: ClosedLedger): void {
    this.admission.ledgerClosed(c);
    // Sets built on the ledger just closed (or an older one) can never be applied now; they are
    // kept a little longer to answer peers still fetching them. Sets of slots already externalized
    // (a node catching up) stay: they apply once the ledgers before them are replayed.
    const waiting = this.ledgers.waitingTxSets();
    for (const [h, set] of this.txSets) {
      if (set.prevHash === c.header.hash || waiting.has(h)) continue;
      this.txSets.delete(h);
      this.recentTxSets.add(set);
    }
    const feesPerOp = c.result.frames.map((f) => f.maxFee / BigInt(feeOps(f)));
    this.feeHistory.push({
      ledger: c.header.seq,
      baseFee: c.baseFeeCharged,
      feesPerOp,
      capacityUsage: c.header.opCount / this.modules.config.maxTxSetSize,
    });
    if (this.feeHistory.length > FEE_STATS_LEDGERS) this.feeHistory.shift();
    this.scheduleNext();
  }

  /**
   * The ledger is not on disk and the queue still holds its txs: stop proposing, refuse
   * submissions (503) and answer every waiting submitter the same.
   */
  private afterFatal(err: Error): void {
    this.modules.log.fatal({err, waiting: this.admission.waiting}, "ledger closing stopped; waiting submitters answered TRY_AGAIN_LATER");
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.admission.fail(err);
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
