/**
 * The herder's side of SCP: implements the SCP driver (values, timers, signing, flooding) and
 * hands externalized values back to the herder. A standalone node runs the same code with the
 * quorum set {threshold 1, validators [self]}: nomination and the ballot protocol still run, they
 * just need no one else.
 */
import type {Logger} from "pino";
import {SCP} from "../scp/scp.js";
import type {SCPDriver, SlotInfo, TimerKind, ValueValidity} from "../scp/interface.js";
import type {RejectReason} from "../scp/scp.js";
import type {Metrics} from "../metrics/metrics.js";
import type {Envelope, QuorumSet, Statement} from "../scp/types.js";
import {quorumSetHash} from "../scp/quorum.js";
import {defaultScpOptions, defaultTimeoutMs, type ScpOptions} from "../scp/options.js";
import {decodeEnvelope, encodeEnvelope, encodeStatement} from "../scp/codec.js";
import type {NodeKey} from "../util/node-key.js";
import {decodeScpValue, encodeScpValue, SCP_VALUE_BYTES, type TxSet} from "./tx-set.js";
import {MAX_CLOSE_TIME_DRIFT_S, type ConsensusEngine, type ConsensusHost, type ConsensusNet} from "./interface.js";

/** Stellar's ENVELOPE_TYPE_SCP: signatures cover networkId ‖ type ‖ statement XDR. */
const ENVELOPE_TYPE_SCP = Buffer.from([0, 0, 0, 1]);

/** Nodes remembered for GET /quorum and the dashboard; stellarbeat counts ~200 on the public network. */
const MAX_NODES_HEARD = 2000;

function statementBytes(networkId: Buffer, statement: Statement): Buffer {
  return Buffer.concat([networkId, ENVELOPE_TYPE_SCP, encodeStatement(statement)]);
}

export interface ConsensusOptions {
  quorumSet: QuorumSet;
  networkId: Buffer;
  /** False for a watcher: it runs SCP to follow the network but never emits a statement. */
  validating?: boolean;
  /** Nomination and ballot timeout schedules (defaults: scp/options.ts, stellar-core's). */
  timeouts?: Partial<Pick<ScpOptions, "nominationTimeoutInitialMs" | "nominationTimeoutIncrementMs" | "ballotTimeoutInitialMs" | "ballotTimeoutIncrementMs" | "timeoutCapMs">>;
}

/** Where a validator keeps its latest statements per slot (the store's ScpStateStore). */
export interface SlotStateStore {
  /**
   * Durable (on disk) when it resolves; rejects if the commit failed. Saves are committed in
   * the order they were called.
   */
  save(slots: ReadonlyArray<{slot: number; envelopes: Buffer[]}>): Promise<void>;
  load(fromSlot: number): Array<{slot: number; envelopes: Buffer[]}>;
}

export class Consensus implements SCPDriver, ConsensusEngine, ConsensusNet {
  readonly scp: SCP;
  private readonly qsets = new Map<string, QuorumSet>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What this node learnt of each other node from its valid envelopes (dashboard, GET /quorum). */
  private readonly heard = new Map<string, {qsetHash: string | null; slot: number; type: string; at: number}>();
  /** Envelopes to flood to peers; the overlay subscribes. */
  private readonly outbox: Array<(e: Envelope) => void> = [];
  /**
   * Envelope objects whose signature checked out: the network layer verifies a peer's envelope
   * before holding it and SCP verifies again on receipt; the second check is this lookup.
   */
  private readonly verified = new WeakSet<Envelope>();
  /**
   * Statements of this event-loop turn, sent once the state holding them is on disk. Each
   * statement used to be written with its own durable commit (an fsync of 10-40 ms on a busy
   * disk, blocking the main thread) before it left; peers' messages that arrived meanwhile then
   * made the next statement, and the next fsync. Now the statements SCP emits while this turn's
   * messages are processed share one commit: the latest state of each slot, written before any
   * of them is sent. The store is the validator's own small environment, so the commit never
   * waits for a ledger commit's write lock.
   */
  private unsentState = new Map<number, Envelope[]>();
  private unsent: Envelope[] = [];
  private flushScheduled = false;
  /** The release of the statements written last: each turn's statements leave after the previous turn's. */
  private releasing: Promise<void> = Promise.resolve();
  /** Externalized values to hand to the herder once this turn's statements have left. */
  private afterFlush: Array<() => void> = [];
  private stopped = false;
  /** This node's statements that left it (or were restored from disk): the only ones resent to peers. */
  private readonly released = new WeakSet<Envelope>();

  constructor(
    private readonly opts: ConsensusOptions,
    private readonly modules: {herder: ConsensusHost; nodeKey: NodeKey; log: Logger; metrics?: Metrics; slotState?: SlotStateStore},
  ) {
    this.qsets.set(quorumSetHash(opts.quorumSet).toString("hex"), opts.quorumSet);
    this.scp = new SCP(modules.nodeKey.publicKey, opts.quorumSet, this);
  }

  onEnvelope(cb: (e: Envelope) => void): void {
    this.outbox.push(cb);
  }

  /** Nominates the tx set for `slot`. The previous ledger's hash seeds leader selection. */
  propose(slot: number, txSet: TxSet, closeTime: number): void {
    const value = encodeScpValue({txSetHash: Buffer.from(txSet.hashHex, "hex"), closeTime});
    this.scp.nominate(slot, value, Buffer.from(txSet.prevHash, "hex"));
  }

  // ---- ConsensusNet

  /** A peer's envelope (signature, fields and slot checked by SCP). */
  receive(envelope: Envelope): "valid" | "invalid" {
    const m = this.modules.metrics;
    if (m === undefined) {
      const v = this.scp.receiveEnvelope(envelope);
      this.noteHeard(envelope, v);
      return v;
    }
    const before = {...this.scp.rejections};
    const verdict = this.scp.receiveEnvelope(envelope);
    this.noteHeard(envelope, verdict);
    m.scpEnvelopesReceived.inc({verdict});
    if (verdict === "invalid") {
      for (const [reason, n] of Object.entries(this.scp.rejections) as Array<[RejectReason, number]>) {
        if (n > before[reason]) m.scpRejected.inc({reason}, n - before[reason]);
      }
    }
    return verdict;
  }

  /** A valid envelope tells who its sender trusts (its quorum set hash) and where it stands. */
  private noteHeard(e: Envelope, verdict: "valid" | "invalid"): void {
    if (verdict !== "valid") return;
    const st = e.statement;
    const prev = this.heard.get(st.nodeId);
    const qsetHash = st.pledges.type === "externalize" ? (prev?.qsetHash ?? null) : st.quorumSetHash.toString("hex");
    if (prev !== undefined && prev.slot > st.slotIndex) {
      prev.at = Date.now();
      prev.qsetHash = qsetHash;
      return;
    }
    if (prev === undefined && this.heard.size >= MAX_NODES_HEARD) {
      // Bounded: the node heard from longest ago makes room (a real network has a few hundred).
      let oldest: string | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const [id, h] of this.heard) if (h.at < at) [oldest, at] = [id, h.at];
      if (oldest !== undefined) this.heard.delete(oldest);
    }
    this.heard.set(st.nodeId, {qsetHash, slot: st.slotIndex, type: st.pledges.type, at: Date.now()});
  }

  /**
   * The network as this node knows it: itself with its quorum set, and every node it heard from
   * whose quorum set it holds (learnt from their SCP envelopes, fetched by hash).
   */
  knownQuorumSets(): Map<string, QuorumSet> {
    const out = new Map<string, QuorumSet>([[this.modules.nodeKey.publicKey, this.opts.quorumSet]]);
    for (const [id, h] of this.heard) {
      const q = h.qsetHash !== null ? this.qsets.get(h.qsetHash) : undefined;
      if (q !== undefined) out.set(id, q);
    }
    return out;
  }

  /** Other nodes heard from: latest slot and statement type, when (ms), and their quorum set if known. */
  heardNodes(): Array<{id: string; slot: number; type: string; at: number; quorumSet: QuorumSet | undefined}> {
    return [...this.heard].map(([id, h]) => ({id, slot: h.slot, type: h.type, at: h.at, quorumSet: h.qsetHash !== null ? this.qsets.get(h.qsetHash) : undefined}));
  }

  /**
   * Resumes the slots after the last closed ledger from the statements this validator persisted
   * before it stopped (call once at start, before proposing): it carries on from what it said
   * instead of saying something else. Returns how many statements were restored.
   */
  restore(lastClosed: number): number {
    const store = this.modules.slotState;
    if (store === undefined || this.opts.validating === false) return 0;
    const envs = store.load(lastClosed + 1).flatMap((s) => s.envelopes.map((b) => decodeEnvelope(b)));
    if (envs.length === 0) return 0;
    this.scp.restoreState(envs);
    for (const e of envs) this.released.add(e);
    this.modules.log.info({slots: [...new Set(envs.map((e) => e.statement.slotIndex))], statements: envs.length}, "SCP state restored from before the restart");
    return envs.length;
  }

  verify(envelope: Envelope): boolean {
    return this.verifyEnvelope(envelope);
  }

  quorumSet(hash: Buffer): QuorumSet | undefined {
    return this.qsets.get(hash.toString("hex"));
  }

  /** A peer's quorum set, fetched by hash (the caller checked the hash and its sanity). */
  addQuorumSet(qset: QuorumSet): void {
    this.qsets.set(quorumSetHash(qset).toString("hex"), qset);
  }

  get localQuorumSet(): QuorumSet {
    return this.opts.quorumSet;
  }

  /** This node's latest statements for the slot that already left it (never one not yet on disk). */
  localEnvelopes(slot: number): Envelope[] {
    return this.scp.getLatestMessages(slot).filter((e) => e.statement.nodeId === this.scp.localNodeId && this.released.has(e));
  }

  slotInfo(slot: number): SlotInfo | undefined {
    return this.scp.getSlotInfo(slot);
  }

  stop(): void {
    // Statements not written yet are never sent (nor written: nothing saw them).
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- SCPDriver

  signEnvelope(statement: Statement): Buffer {
    return this.modules.nodeKey.sign(statementBytes(this.opts.networkId, statement));
  }

  verifyEnvelope(envelope: Envelope): boolean {
    if (this.verified.has(envelope)) return true;
    const ok = this.modules.nodeKey.verifyFrom(
      envelope.statement.nodeId,
      statementBytes(this.opts.networkId, envelope.statement),
      envelope.signature,
    );
    if (ok) this.verified.add(envelope);
    return ok;
  }

  /** SCP calls this before `emitEnvelope`: the slot's latest statements, written before it is sent. */
  persistSlotState(slotIndex: number, envelopes: Envelope[]): void {
    if (this.opts.validating === false || this.modules.slotState === undefined) return;
    this.unsentState.set(slotIndex, envelopes);
  }

  /**
   * Without a store the statement leaves at once. With one a ballot statement waits for the end
   * of this turn of the event loop (setImmediate: after the I/O callbacks ready now, so peers'
   * messages already here are answered in the same write), then the state is written durably
   * and the statements are sent in the order SCP emitted them. A nomination statement leaves at
   * once (see below).
   */
  emitEnvelope(envelope: Envelope): void {
    if (this.opts.validating === false) return;
    this.modules.metrics?.scpEnvelopesEmitted.inc({type: envelope.statement.pledges.type});
    if (this.modules.slotState === undefined) {
      this.release(envelope);
      return;
    }
    if (envelope.statement.pledges.type === "nominate") {
      // Nomination is not what safety rests on: a NOMINATE statement has no contradicting one
      // (voting or accepting "nominate x" never excludes y), so a validator that forgets it after
      // a crash can at worst slow its slot down, never make two nodes externalize different
      // values; the ballot statements (PREPARE, CONFIRM, EXTERNALIZE) are what may never be
      // contradicted, and they still wait for their write. It leaves at once; the slot's state
      // holding it is written all the same, for a restarted validator to resume from.
      this.release(envelope);
    } else {
      this.unsent.push(envelope);
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushStatements());
  }

  /**
   * Writes the turn's slot states in one durable commit, then sends its statements, in order
   * after every earlier turn's; a failed write sends none of its statements (a later turn's
   * write holds the slot's whole latest state, so its statements may still go).
   */
  private flushStatements(): void {
    this.flushScheduled = false;
    const after = this.afterFlush;
    this.afterFlush = [];
    const states = [...this.unsentState].map(([slot, envs]) => ({slot, envelopes: envs.map((e) => encodeEnvelope(e))}));
    const out = this.unsent;
    this.unsentState = new Map();
    this.unsent = [];
    if (this.stopped || this.modules.slotState === undefined) return;
    let written: Promise<boolean>;
    const timer = states.length > 0 ? this.modules.metrics?.scpStateWriteSeconds.startTimer() : undefined;
    try {
      written = this.modules.slotState.save(states).then(
        () => {
          timer?.();
          return true;
        },
        (err: unknown) => this.writeFailed(err, states, out),
      );
    } catch (err) {
      written = Promise.resolve(this.writeFailed(err, states, out));
    }
    this.releasing = this.releasing
      .then(() => written)
      .then((ok) => {
        if (!ok || this.stopped) return;
        for (const e of out) {
          try {
            this.release(e);
          } catch (err) {
            this.modules.log.error({err, slot: e.statement.slotIndex}, "statement not handed to the overlay");
          }
        }
      })
      .then(() => {
        for (const fn of after) this.runSafely(fn);
      });
  }

  private writeFailed(err: unknown, states: ReadonlyArray<{slot: number}>, out: Envelope[]): false {
    this.modules.log.error({err, slots: states.map((s) => s.slot), statements: out.length}, "SCP state not written; its statements are not sent");
    return false;
  }

  /**
   * Runs `fn` once the statements of this turn of the event loop have left (or failed to be
   * written), and every earlier turn's: SCP may externalize before it emits the statements that
   * got it there (it processes its own statement first), so this waits for the turn's end.
   */
  private afterRelease(fn: () => void): void {
    this.afterFlush.push(fn);
    this.scheduleFlush();
  }

  private runSafely(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (err) {
      this.modules.log.error({err}, "externalized value not handed to the herder");
    }
  }

  /** Resolves once every statement emitted so far has been written and sent (or dropped on a failed write). */
  settled(): Promise<void> {
    return this.releasing;
  }

  private release(envelope: Envelope): void {
    this.released.add(envelope);
    for (const cb of this.outbox) cb(envelope);
  }

  getQuorumSet(hash: Buffer): QuorumSet | undefined {
    return this.qsets.get(hash.toString("hex"));
  }

  validateValue(slotIndex: number, value: Buffer, nomination: boolean): ValueValidity {
    if (value.length !== SCP_VALUE_BYTES) return "invalid";
    const lcl = this.modules.herder.lastClosed();
    if (slotIndex !== lcl.seq + 1) return nomination ? "invalid" : "maybe_valid";
    const v = decodeScpValue(value);
    // As stellar-core: every ledger closes strictly later than the one before it.
    if (v.closeTime <= lcl.closeTime) return "invalid";
    if (v.closeTime > Date.now() / 1000 + MAX_CLOSE_TIME_DRIFT_S) return "invalid";
    const set = this.modules.herder.txSet(v.txSetHash.toString("hex"));
    if (!set) return "maybe_valid";
    return set.prevHash === lcl.hash ? "valid" : "invalid";
  }

  /**
   * Of the confirmed candidates, the tx set with the most operations wins (ties: larger hash);
   * the close time is the latest proposed. Every node computes the same from the same candidates.
   */
  combineCandidates(_slotIndex: number, values: Buffer[]): Buffer {
    let best: {set: TxSet | undefined; hash: Buffer} | undefined;
    let closeTime = 0;
    for (const value of values) {
      const v = decodeScpValue(value);
      closeTime = Math.max(closeTime, v.closeTime);
      const set = this.modules.herder.txSet(v.txSetHash.toString("hex"));
      const ops = set?.ops ?? -1;
      const bestOps = best?.set?.ops ?? -1;
      if (!best || ops > bestOps || (ops === bestOps && Buffer.compare(v.txSetHash, best.hash) > 0)) {
        best = {set, hash: Buffer.from(v.txSetHash)};
      }
    }
    if (!best) return values[0];
    return encodeScpValue({txSetHash: best.hash, closeTime});
  }

  /**
   * With a state store the herder hears of the value once the statements emitted so far (this
   * slot's last ballot statements) are written and sent: applying the ledger keeps the main
   * thread busy for hundreds of ms, and statements whose write finished meanwhile would wait for
   * it, while peers may still need them to externalize.
   */
  valueExternalized(slotIndex: number, value: Buffer): void {
    const v = decodeScpValue(value);
    const tell = () => this.modules.herder.externalized(slotIndex, v.txSetHash.toString("hex"), v.closeTime);
    if (this.modules.slotState === undefined || this.opts.validating === false) tell();
    else this.afterRelease(tell);
    this.scp.purgeSlots(slotIndex - 2);
  }

  setupTimer(slotIndex: number, timer: TimerKind, delayMs: number, callback: (() => void) | null): void {
    const key = slotIndex + ":" + timer;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.delete(key);
    if (callback) {
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          callback();
        }, delayMs),
      );
    }
  }

  computeTimeoutMs(round: number, kind: TimerKind): number {
    // Nomination rounds and ballot counters have their own schedules (stellar-core's computeTimeout).
    return defaultTimeoutMs(round, kind, {...defaultScpOptions, ...this.opts.timeouts});
  }
}
