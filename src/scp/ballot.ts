import {
  areBallotsCompatible,
  areBallotsLessAndCompatible,
  areBallotsLessAndIncompatible,
  compareBallots,
  copyBallot,
} from "./ballots.js";
import {isQuorum, isVBlocking} from "./quorum.js";
import type {Slot} from "./slot.js";
import {ballotSanityError} from "./validation.js";
import {
  COUNTER_INFINITY,
  type Ballot,
  type BallotPhase,
  type BallotPledge,
  type ConfirmPledge,
  type Envelope,
  type ExternalizePledge,
  type NodeId,
  type PreparePledge,
  type Statement,
} from "./types.js";

type Interval = [number, number];

/**
 * Ballot protocol of one slot (draft sections "Ballots" to "Externalize message"): current
 * ballot b, accepted-prepared p and p′, highest confirmed-prepared (then accepted/confirmed
 * committed) h, commit ballot c, and the latest ballot statement of every node.
 *
 * Every received statement runs the four federated-voting steps in order (accept prepared,
 * confirm prepared, accept commit, confirm commit) and then the counter-bump rule; each step
 * that changes state emits a new local statement, which is processed locally at once, so a
 * single incoming message can carry the slot through several phases synchronously.
 */
export class BallotProtocol {
  phase: BallotPhase = "prepare";
  current: Ballot | null = null; // b
  prepared: Ballot | null = null; // p
  preparedPrime: Ballot | null = null; // p'
  high: Ballot | null = null; // h
  commit: Ballot | null = null; // c
  /** Value of the highest confirmed-prepared ballot: it overrides nomination's output. */
  private valueOverride: Buffer | null = null;
  private readonly latest = new Map<NodeId, Envelope<BallotPledge>>();
  private heardFromQuorum = false;
  private lastEnvelope: Envelope<BallotPledge> | null = null;
  private lastEmitted: Envelope<BallotPledge> | null = null;
  private depth = 0;

  constructor(private readonly slot: Slot) {}

  processEnvelope(env: Envelope<BallotPledge>, self = false): "valid" | "invalid" {
    const st = env.statement;
    if (ballotSanityError(st.pledges, self)) return "invalid";
    const old = this.latest.get(st.nodeId);
    if (old && !isNewerBallotStatement(old.statement.pledges, st.pledges)) return "invalid";
    for (const v of statementValues(st.pledges)) {
      if (this.slot.ctx.driver.validateValue(this.slot.slotIndex, v, false) === "invalid") return "invalid";
    }
    if (this.phase === "externalize") {
      // Only statements agreeing with the outcome are kept, to help stragglers catch up.
      if (!workingBallot(st.pledges).value.equals(this.commit!.value)) return "invalid";
      this.latest.set(st.nodeId, env);
      return "valid";
    }
    this.latest.set(st.nodeId, env);
    this.advanceSlot();
    return "valid";
  }

  /**
   * Moves to a ballot with `value` (from nomination): when no ballot exists yet, or with
   * `force` to the next counter (timeout).
   */
  bumpState(value: Buffer, force: boolean): boolean {
    if (!force && this.current) return false;
    const n = this.current ? this.current.counter + 1 : 1;
    return this.bumpToCounter(value, n);
  }

  /** The local node's latest emitted ballot statement, if any (what `persistSlotState` stores). */
  get lastEmittedEnvelope(): Envelope<BallotPledge> | null {
    return this.lastEmitted;
  }

  /**
   * Restores the local node's own latest ballot statement from persisted state (stellar-core
   * `BallotProtocol::setStateFromEnvelope`): b, p, p′, h, c and the phase as stated, so the
   * next statement is newer than it and keeps its commitments. Only before the slot has a
   * ballot.
   */
  setStateFromEnvelope(env: Envelope<BallotPledge>): void {
    if (this.current) throw new Error("ballot protocol already started on this slot");
    const p = env.statement.pledges;
    this.latest.set(env.statement.nodeId, env);
    this.lastEnvelope = env;
    this.lastEmitted = env;
    switch (p.type) {
      case "prepare": {
        const v = p.ballot.value;
        this.bumpToBallot(p.ballot);
        this.prepared = p.prepared ? copyBallot(p.prepared) : null;
        this.preparedPrime = p.preparedPrime ? copyBallot(p.preparedPrime) : null;
        if (p.nH !== 0) {
          this.high = {counter: p.nH, value: v};
          // h is confirmed prepared: later ballots keep its value, as before the restart.
          this.valueOverride = v;
        }
        if (p.nC !== 0) this.commit = {counter: p.nC, value: v};
        this.phase = "prepare";
        break;
      }
      case "confirm": {
        const v = p.ballot.value;
        this.bumpToBallot(p.ballot);
        this.prepared = {counter: p.nPrepared, value: v};
        this.high = {counter: p.nH, value: v};
        this.commit = {counter: p.nCommit, value: v};
        this.valueOverride = v;
        this.phase = "confirm";
        break;
      }
      case "externalize": {
        const v = p.commit.value;
        this.bumpToBallot({counter: COUNTER_INFINITY, value: v});
        this.prepared = {counter: COUNTER_INFINITY, value: v};
        this.high = {counter: p.nH, value: v};
        this.commit = copyBallot(p.commit);
        this.valueOverride = v;
        this.phase = "externalize";
        break;
      }
    }
  }

  latestEnvelopes(): Envelope<BallotPledge>[] {
    return [...this.latest.values()];
  }

  get externalizedValue(): Buffer | undefined {
    return this.phase === "externalize" ? this.commit!.value : undefined;
  }

  private bumpToCounter(value: Buffer, n: number): boolean {
    if (this.phase !== "prepare" && this.phase !== "confirm") return false;
    const ballot: Ballot = {counter: n, value: this.valueOverride ?? value};
    const updated = this.updateCurrentValue(ballot);
    if (updated) {
      this.emitCurrentStateStatement();
      this.checkHeardFromQuorum();
    }
    return updated;
  }

  private updateCurrentValue(ballot: Ballot): boolean {
    if (this.phase !== "prepare" && this.phase !== "confirm") return false;
    if (!this.current) {
      this.bumpToBallot(ballot);
      return true;
    }
    // Once c is set the node voted to commit c: it cannot move to another value.
    if (this.commit && !areBallotsCompatible(this.commit, ballot)) return false;
    if (compareBallots(this.current, ballot) < 0) {
      this.bumpToBallot(ballot);
      return true;
    }
    return false;
  }

  private bumpToBallot(ballot: Ballot): void {
    const counterChanged = !this.current || this.current.counter !== ballot.counter;
    this.current = copyBallot(ballot);
    // h and c must carry b's value; a ballot with another value drops them.
    if (this.high && !areBallotsCompatible(this.current, this.high)) {
      this.high = null;
      this.commit = null;
    }
    if (counterChanged) this.heardFromQuorum = false;
  }

  private advanceSlot(): void {
    this.depth++;
    if (this.depth > this.slot.ctx.opts.maxRecursion) {
      this.depth--;
      return;
    }
    let didWork = false;
    didWork = this.attemptAcceptPrepared() || didWork;
    didWork = this.attemptConfirmPrepared() || didWork;
    didWork = this.attemptAcceptCommit() || didWork;
    didWork = this.attemptConfirmCommit() || didWork;
    if (this.depth === 1) {
      let bumped: boolean;
      do {
        bumped = this.attemptBump();
        didWork = bumped || didWork;
      } while (bumped);
      this.checkHeardFromQuorum();
    }
    this.depth--;
    if (didWork) this.sendLatestEnvelope();
  }

  private statements(): Map<NodeId, Statement> {
    const m = new Map<NodeId, Statement>();
    for (const [n, e] of this.latest) m.set(n, e.statement);
    return m;
  }

  /** Ballots that some statement votes for or accepts as prepared, highest first. */
  private prepareCandidates(): Ballot[] {
    const out: Ballot[] = [];
    for (const {statement} of this.latest.values()) {
      const p = statement.pledges;
      switch (p.type) {
        case "prepare":
          out.push(p.ballot);
          if (p.prepared) out.push(p.prepared);
          if (p.preparedPrime) out.push(p.preparedPrime);
          break;
        case "confirm":
          out.push({counter: p.nPrepared, value: p.ballot.value}, {counter: COUNTER_INFINITY, value: p.ballot.value});
          break;
        case "externalize":
          out.push({counter: COUNTER_INFINITY, value: p.commit.value});
          break;
      }
    }
    // The local node's placeholder ballot <0, ""> is nothing anyone can prepare.
    for (let i = out.length - 1; i >= 0; i--) if (out[i]!.counter === 0) out.splice(i, 1);
    out.sort((a, b) => compareBallots(b, a));
    return out.filter((b, i) => i === 0 || compareBallots(b, out[i - 1]!) !== 0);
  }

  private attemptAcceptPrepared(): boolean {
    if (this.phase !== "prepare" && this.phase !== "confirm") return false;
    const statements = this.statements();
    for (const ballot of this.prepareCandidates()) {
      // In CONFIRM only a higher ballot with the committed value can still matter.
      if (this.phase === "confirm") {
        if (this.prepared ? !areBallotsLessAndCompatible(this.prepared, ballot) : !areBallotsCompatible(this.high!, ballot)) continue;
      }
      // Already covered by p or p'.
      if (this.preparedPrime && compareBallots(ballot, this.preparedPrime) <= 0) continue;
      if (this.prepared && areBallotsLessAndCompatible(ballot, this.prepared)) continue;
      const ok = this.slot.federatedAccept(
        (s) => votedPrepared(s, ballot),
        (s) => acceptedPrepared(s, ballot),
        statements,
      );
      if (ok) return this.setAcceptPrepared(ballot);
    }
    return false;
  }

  private setAcceptPrepared(ballot: Ballot): boolean {
    let didWork = this.setPrepared(ballot);
    // c was a vote to commit; accepting an incompatible higher prepared aborts it (draft c rule).
    if (this.commit && this.high) {
      if (
        (this.prepared && areBallotsLessAndIncompatible(this.high, this.prepared)) ||
        (this.preparedPrime && areBallotsLessAndIncompatible(this.high, this.preparedPrime))
      ) {
        this.commit = null;
        didWork = true;
      }
    }
    if (didWork) this.emitCurrentStateStatement();
    return didWork;
  }

  /** Updates p/p′ so that together they cover everything accepted prepared. */
  private setPrepared(ballot: Ballot): boolean {
    if (!this.prepared) {
      this.prepared = copyBallot(ballot);
      return true;
    }
    const cmp = compareBallots(this.prepared, ballot);
    if (cmp < 0) {
      if (!areBallotsCompatible(this.prepared, ballot)) this.preparedPrime = this.prepared;
      this.prepared = copyBallot(ballot);
      return true;
    }
    if (cmp > 0) {
      // ballot < p: it can only improve p′, and only when its value differs from p's.
      if (!areBallotsCompatible(this.prepared, ballot) && (!this.preparedPrime || compareBallots(this.preparedPrime, ballot) < 0)) {
        this.preparedPrime = copyBallot(ballot);
        return true;
      }
    }
    return false;
  }

  private attemptConfirmPrepared(): boolean {
    if (this.phase !== "prepare" || !this.prepared) return false;
    const statements = this.statements();
    const candidates = this.prepareCandidates();
    const ratified = (b: Ballot) => this.slot.federatedRatify((s) => acceptedPrepared(s, b), statements);
    let i = 0;
    let newH: Ballot | null = null;
    for (; i < candidates.length; i++) {
      const b = candidates[i]!;
      if (this.high && compareBallots(this.high, b) >= 0) break;
      if (ratified(b)) {
        newH = b;
        break;
      }
    }
    if (!newH) return false;

    // Lowest c: walk down from h while the ballots stay compatible, confirmed prepared, and ≥ b.
    let newC: Ballot | null = null;
    const floor = this.current ?? {counter: 0, value: Buffer.alloc(0)};
    if (
      !this.commit &&
      (!this.prepared || !areBallotsLessAndIncompatible(newH, this.prepared)) &&
      (!this.preparedPrime || !areBallotsLessAndIncompatible(newH, this.preparedPrime))
    ) {
      for (let j = i; j < candidates.length; j++) {
        const b = candidates[j]!;
        if (compareBallots(b, floor) < 0) break;
        if (!areBallotsLessAndCompatible(b, newH)) continue;
        if (ratified(b)) newC = b;
        else break;
      }
    }
    return this.setConfirmPrepared(newC, newH);
  }

  private setConfirmPrepared(newC: Ballot | null, newH: Ballot): boolean {
    let didWork = false;
    this.valueOverride = newH.value;
    // h is only kept when it agrees with b (b moves to h's value at the next bump otherwise).
    if (!this.current || areBallotsCompatible(this.current, newH)) {
      if (!this.high || compareBallots(newH, this.high) > 0) {
        this.high = copyBallot(newH);
        didWork = true;
      }
      if (newC && newC.counter !== 0) {
        this.commit = copyBallot(newC);
        didWork = true;
      }
    }
    didWork = this.updateCurrentIfNeeded(newH) || didWork;
    // Draft: NOMINATE ends once some ballot is confirmed prepared.
    this.slot.nomination.stop();
    if (didWork) this.emitCurrentStateStatement();
    return didWork;
  }

  private updateCurrentIfNeeded(h: Ballot): boolean {
    if (!this.current || compareBallots(this.current, h) < 0) {
      this.bumpToBallot(h);
      return true;
    }
    return false;
  }

  /** Counters at which the commit votes of statements with `value` start or end. */
  private commitBoundaries(value: Buffer): number[] {
    const res = new Set<number>();
    for (const {statement} of this.latest.values()) {
      const p = statement.pledges;
      switch (p.type) {
        case "prepare":
          if (p.ballot.value.equals(value) && p.nC !== 0) {
            res.add(p.nC);
            res.add(p.nH);
          }
          break;
        case "confirm":
          if (p.ballot.value.equals(value)) {
            res.add(p.nCommit);
            res.add(p.nH);
          }
          break;
        case "externalize":
          if (p.commit.value.equals(value)) {
            res.add(p.commit.counter);
            res.add(p.nH);
            res.add(COUNTER_INFINITY);
          }
          break;
      }
    }
    return [...res].sort((a, b) => b - a);
  }

  /** Highest interval [lo, hi] of boundaries satisfying `pred`, extended downwards. */
  private static findExtendedInterval(boundaries: number[], pred: (i: Interval) => boolean): Interval | null {
    let cand: Interval | null = null;
    for (const b of boundaries) {
      const cur: Interval = cand ? [b, cand[1]] : [b, b];
      if (cur[0] === 0) continue;
      if (pred(cur)) cand = cur;
      else if (cand) break;
    }
    return cand;
  }

  /** Values for which some statement carries commit votes (or the committed value in CONFIRM). */
  private commitValues(): Buffer[] {
    if (this.phase === "confirm") return [this.high!.value];
    const byHex = new Map<string, Buffer>();
    for (const {statement} of this.latest.values()) {
      const p = statement.pledges;
      if (p.type === "prepare" && p.nC !== 0) byHex.set(p.ballot.value.toString("hex"), p.ballot.value);
      if (p.type === "confirm") byHex.set(p.ballot.value.toString("hex"), p.ballot.value);
      if (p.type === "externalize") byHex.set(p.commit.value.toString("hex"), p.commit.value);
    }
    return [...byHex.values()];
  }

  private attemptAcceptCommit(): boolean {
    if (this.phase !== "prepare" && this.phase !== "confirm") return false;
    const statements = this.statements();
    for (const value of this.commitValues()) {
      const interval = BallotProtocol.findExtendedInterval(this.commitBoundaries(value), (i) =>
        this.slot.federatedAccept(
          (s) => votedCommit(s, value, i),
          (s) => acceptedCommit(s, value, i),
          statements,
        ),
      );
      if (!interval) continue;
      if (this.phase === "confirm" && interval[1] <= this.high!.counter) continue;
      return this.setAcceptCommit({counter: interval[0], value}, {counter: interval[1], value});
    }
    return false;
  }

  private setAcceptCommit(c: Ballot, h: Ballot): boolean {
    let didWork = false;
    this.valueOverride = h.value;
    if (!this.high || !this.commit || compareBallots(this.high, h) !== 0 || compareBallots(this.commit, c) !== 0) {
      this.commit = c;
      this.high = h;
      didWork = true;
    }
    if (this.phase === "prepare") {
      this.phase = "confirm";
      if (this.current && !areBallotsLessAndCompatible(h, this.current)) this.bumpToBallot(h);
      this.preparedPrime = null;
      didWork = true;
    }
    if (didWork) {
      this.updateCurrentIfNeeded(this.high);
      this.emitCurrentStateStatement();
    }
    return didWork;
  }

  private attemptConfirmCommit(): boolean {
    if (this.phase !== "confirm" || !this.high || !this.commit) return false;
    const statements = this.statements();
    const value = this.commit.value;
    const interval = BallotProtocol.findExtendedInterval(this.commitBoundaries(value), (i) =>
      this.slot.federatedRatify((s) => acceptedCommit(s, value, i), statements),
    );
    if (!interval) return false;
    this.commit = {counter: interval[0], value};
    this.high = {counter: interval[1], value};
    this.phase = "externalize";
    this.slot.nomination.stop();
    this.slot.ctx.driver.setupTimer(this.slot.slotIndex, "ballot", 0, null);
    this.emitCurrentStateStatement();
    this.slot.ctx.driver.valueExternalized(this.slot.slotIndex, value);
    return true;
  }

  /**
   * Draft counter rule: when a blocking set is at higher counters, jump to the lowest counter
   * at which that is no longer the case (a node left behind catches up without waiting).
   */
  private attemptBump(): boolean {
    if (this.phase !== "prepare" && this.phase !== "confirm") return false;
    const local = this.current ? this.current.counter : 0;
    const qset = this.slot.ctx.localQset;
    const above = (n: number): Set<NodeId> => {
      const s = new Set<NodeId>();
      for (const [node, e] of this.latest) if (statementCounter(e.statement.pledges) > n) s.add(node);
      return s;
    };
    if (!isVBlocking(qset, above(local))) return false;
    const counters = [...new Set([...this.latest.values()].map((e) => statementCounter(e.statement.pledges)))]
      .filter((n) => n > local)
      .sort((a, b) => a - b);
    for (const n of counters) {
      if (!isVBlocking(qset, above(n))) return this.abandonBallot(n);
    }
    return false;
  }

  /** Leaves the current ballot for counter n (0: the next counter). */
  abandonBallot(n: number): boolean {
    let value = this.slot.nomination.latestComposite;
    if (!value || value.length === 0) value = this.current?.value ?? null;
    if (!value) return false;
    return n === 0 ? this.bumpState(value, true) : this.bumpToCounter(value, n);
  }

  /**
   * Draft timer rule (stellar-core `checkHeardFromQuorum`): once a quorum is at our counter or
   * beyond (PREPARE at a counter ≥ ours, or any CONFIRM/EXTERNALIZE), arm the ballot timer for
   * timeout(counter) on the transition; when it fires the counter goes up by one. Without such
   * a quorum (e.g. just after our counter moved up) the timer is stopped.
   */
  private checkHeardFromQuorum(): void {
    if (!this.current) return;
    const counter = this.current.counter;
    const nodes = new Set<NodeId>();
    for (const [node, e] of this.latest) {
      const p = e.statement.pledges;
      if (p.type !== "prepare" || p.ballot.counter >= counter) nodes.add(node);
    }
    const statements = this.statements();
    const {driver} = this.slot.ctx;
    const quorum = isQuorum(this.slot.ctx.localQset, nodes, (n) => {
        const s = statements.get(n);
        return s ? this.slot.quorumSetOf(s) : undefined;
      });
    if (quorum) {
      const old = this.heardFromQuorum;
      this.heardFromQuorum = true;
      if (!old && this.phase !== "externalize") {
        driver.setupTimer(this.slot.slotIndex, "ballot", driver.computeTimeoutMs(counter, "ballot"), () => {
          this.abandonBallot(0);
        });
      }
      if (this.phase === "externalize") driver.setupTimer(this.slot.slotIndex, "ballot", 0, null);
    } else {
      this.heardFromQuorum = false;
      driver.setupTimer(this.slot.slotIndex, "ballot", 0, null);
    }
  }

  private currentPledge(): BallotPledge | null {
    switch (this.phase) {
      case "prepare": {
        // Without a ballot yet the node still records what it accepted (b = <0, "">, as
        // stellar-core): it counts itself in quorums, but such a statement is never sent.
        const ballot = this.current ? copyBallot(this.current) : {counter: 0, value: Buffer.alloc(0)};
        const nH = this.high && areBallotsCompatible(this.high, ballot) ? this.high.counter : 0;
        return {
          type: "prepare",
          ballot,
          prepared: this.prepared ? copyBallot(this.prepared) : null,
          preparedPrime: this.preparedPrime ? copyBallot(this.preparedPrime) : null,
          nC: this.commit && nH !== 0 ? this.commit.counter : 0,
          nH,
        };
      }
      case "confirm":
        return {
          type: "confirm",
          ballot: copyBallot(this.current!),
          nPrepared: this.prepared?.counter ?? 0,
          nCommit: this.commit!.counter,
          nH: this.high!.counter,
        };
      case "externalize":
        return {type: "externalize", commit: copyBallot(this.commit!), nH: this.high!.counter};
    }
  }

  private emitCurrentStateStatement(): void {
    const pledges = this.currentPledge();
    if (!pledges) return;
    const env = this.slot.createEnvelope(pledges);
    if (this.slot.processEnvelope(env, true) !== "valid") return;
    if (this.current && (!this.lastEnvelope || isNewerBallotStatement(this.lastEnvelope.statement.pledges, pledges))) {
      this.lastEnvelope = env;
      this.sendLatestEnvelope();
    }
  }

  /** Broadcasts only at the outermost level, so peers see the final state of a cascade. */
  private sendLatestEnvelope(): void {
    if (this.depth !== 0 || !this.lastEnvelope || this.lastEnvelope === this.lastEmitted) return;
    this.lastEmitted = this.lastEnvelope;
    this.slot.persistState();
    this.slot.ctx.driver.emitEnvelope(this.lastEnvelope);
  }
}

/** The ballot a statement works on: b for PREPARE/CONFIRM, c for EXTERNALIZE. */
export function workingBallot(p: BallotPledge): Ballot {
  return p.type === "externalize" ? p.commit : p.ballot;
}

function statementCounter(p: BallotPledge): number {
  return p.type === "externalize" ? COUNTER_INFINITY : p.ballot.counter;
}

function statementValues(p: BallotPledge): Buffer[] {
  if (p.type === "prepare") {
    // A counter-0 ballot (the local node before it has one) carries no value to validate.
    const vs = p.ballot.counter === 0 ? [] : [p.ballot.value];
    if (p.prepared) vs.push(p.prepared.value);
    if (p.preparedPrime) vs.push(p.preparedPrime.value);
    return vs;
  }
  return [workingBallot(p).value];
}

/** vote-or-accept prepare(b) (draft message semantics). */
function votedPrepared(s: Statement, b: Ballot): boolean {
  const p = s.pledges;
  switch (p.type) {
    case "prepare":
      return areBallotsLessAndCompatible(b, p.ballot);
    case "confirm":
      return areBallotsCompatible(b, p.ballot);
    case "externalize":
      return areBallotsCompatible(b, p.commit);
    default:
      return false;
  }
}

/** accept prepare(b). */
function acceptedPrepared(s: Statement, b: Ballot): boolean {
  const p = s.pledges;
  switch (p.type) {
    case "prepare":
      return (
        (p.prepared !== null && areBallotsLessAndCompatible(b, p.prepared)) ||
        (p.preparedPrime !== null && areBallotsLessAndCompatible(b, p.preparedPrime))
      );
    case "confirm":
      return areBallotsLessAndCompatible(b, {counter: p.nPrepared, value: p.ballot.value});
    case "externalize":
      return areBallotsCompatible(b, p.commit);
    default:
      return false;
  }
}

/** vote-or-accept commit(<n, value>) for every n in the interval. */
function votedCommit(s: Statement, value: Buffer, [lo, hi]: Interval): boolean {
  const p = s.pledges;
  switch (p.type) {
    case "prepare":
      return p.ballot.value.equals(value) && p.nC !== 0 && p.nC <= lo && hi <= p.nH;
    case "confirm":
      return p.ballot.value.equals(value) && p.nCommit <= lo;
    case "externalize":
      return p.commit.value.equals(value) && p.commit.counter <= lo;
    default:
      return false;
  }
}

/** accept commit(<n, value>) for every n in the interval. */
function acceptedCommit(s: Statement, value: Buffer, [lo, hi]: Interval): boolean {
  const p = s.pledges;
  switch (p.type) {
    case "confirm":
      return p.ballot.value.equals(value) && p.nCommit <= lo && hi <= p.nH;
    case "externalize":
      return p.commit.value.equals(value) && p.commit.counter <= lo;
    default:
      return false;
  }
}

const PHASE_RANK = {prepare: 0, confirm: 1, externalize: 2} as const;

/** Order of statements from one node: phase, then the fields that only grow in that phase. */
export function isNewerBallotStatement(old: BallotPledge, next: BallotPledge): boolean {
  if (old.type !== next.type) return PHASE_RANK[next.type] > PHASE_RANK[old.type];
  if (old.type === "externalize") return false;
  if (old.type === "prepare") {
    const n = next as PreparePledge;
    return (
      cmpChain([
        compareBallots(old.ballot, n.ballot),
        compareBallots(old.prepared, n.prepared),
        compareBallots(old.preparedPrime, n.preparedPrime),
        old.nH - n.nH,
      ]) < 0
    );
  }
  const o = old as ConfirmPledge;
  const n = next as ConfirmPledge;
  return cmpChain([compareBallots(o.ballot, n.ballot), o.nPrepared - n.nPrepared, o.nH - n.nH]) < 0;
}

function cmpChain(parts: number[]): number {
  for (const p of parts) if (p !== 0) return p;
  return 0;
}

export type {ExternalizePledge};
