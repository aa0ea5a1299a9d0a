import {StrKey, hash} from "@stellar/stellar-base";
import {sortedUniqueValues} from "./ballots.js";
import {quorumSetNodes} from "./quorum.js";
import type {Slot} from "./slot.js";
import {nominationSanityError} from "./validation.js";
import type {Envelope, NodeId, NominatePledge, QuorumSet, Statement} from "./types.js";

const UINT64_MAX = (1n << 64n) - 1n;
/** Draft: neighbors(n) uses Gi(1 ‖ n ‖ v), priority(n, v) uses Gi(2 ‖ n ‖ v). */
const HASH_NEIGHBOR = 1;
const HASH_PRIORITY = 2;

const hex = (b: Buffer): string => b.toString("hex");

/**
 * Leader-selection hash of the draft, Gi(m) = SHA-256(i ‖ m) with i = (slot, previous value),
 * m = (1 or 2, round, node), all XDR-serialised; the first 64 bits, big-endian, are the
 * number compared (stellar-core's truncation: 64 bits already make ties vanishingly rare).
 */
export function nominationHash(slotIndex: number, previousValue: Buffer, kind: 1 | 2, round: number, node: NodeId): bigint {
  // The XDR is laid out by hand (the XDR library costs ~0.2 ms per call, and this runs for
  // every node of the quorum set every round): uint64 slot, opaque<> value (length + bytes +
  // zero padding to 4), uint32 kind, uint32 round, PublicKey (uint32 type 0 + 32 key bytes).
  const pad = (4 - (previousValue.length % 4)) % 4;
  const buf = Buffer.alloc(8 + 4 + previousValue.length + pad + 4 + 4 + 4 + 32);
  let o = buf.writeBigUInt64BE(BigInt(slotIndex), 0);
  o = buf.writeUInt32BE(previousValue.length, o);
  o += previousValue.copy(buf, o) + pad;
  o = buf.writeUInt32BE(kind, o);
  o = buf.writeUInt32BE(round >>> 0, o);
  o = buf.writeUInt32BE(0, o);
  nodeKeyBytes(node).copy(buf, o);
  return hash(buf).readBigUInt64BE(0);
}

/** Raw ed25519 key of a node id, memoised: node ids repeat every round of every slot. */
const keyBytesCache = new Map<NodeId, Buffer>();
function nodeKeyBytes(node: NodeId): Buffer {
  let k = keyBytesCache.get(node);
  if (!k) {
    k = StrKey.decodeEd25519PublicKey(node);
    // Bounded: a validator hears of at most a few thousand nodes; start over past that.
    if (keyBytesCache.size >= 10_000) keyBytesCache.clear();
    keyBytesCache.set(node, k);
  }
  return k;
}

/**
 * Draft weight(v), the fraction of the local slices containing v, as a fraction of 2^64 − 1:
 * at each level a member is in threshold/members of the slices.
 */
export function nodeWeight(node: NodeId, qset: QuorumSet): bigint {
  const n = BigInt(qset.threshold);
  const d = BigInt(qset.validators.length + qset.innerSets.length);
  if (d === 0n) return 0n;
  if (qset.validators.includes(node)) return (UINT64_MAX * n) / d;
  for (const inner of qset.innerSets) {
    const w = nodeWeight(node, inner);
    if (w > 0n) return (w * n) / d;
  }
  return 0n;
}

/**
 * Nomination protocol of one slot (draft "Nominate message"): votes X, accepted Y, candidates
 * Z, the latest NOMINATE of every node, and the cumulative set of round leaders whose votes
 * this node echoes until it has a candidate.
 */
export class NominationProtocol {
  round = 0;
  private readonly votes = new Map<string, Buffer>();
  private readonly accepted = new Map<string, Buffer>();
  private readonly candidates = new Map<string, Buffer>();
  private readonly latest = new Map<NodeId, Envelope<NominatePledge>>();
  readonly roundLeaders = new Set<NodeId>();
  private started = false;
  private stopped = false;
  private previousValue: Buffer = Buffer.alloc(0);
  private lastEmitted: Envelope<NominatePledge> | null = null;
  latestComposite: Buffer | null = null;

  constructor(private readonly slot: Slot) {}

  /**
   * Starts or continues nomination (`timedOut` when called from the round timer). Returns true
   * when the local vote set grew. Stops for good once a value is a candidate.
   */
  nominate(value: Buffer, previousValue: Buffer, timedOut: boolean): boolean {
    if (this.candidates.size > 0 || this.stopped) return false;
    if (timedOut && !this.started) return false;
    this.started = true;
    this.previousValue = previousValue;
    this.round++;
    this.updateRoundLeaders();

    let updated = false;
    const local = this.slot.ctx.localNodeId;
    if (this.roundLeaders.has(local)) updated = this.addVote(value) || updated;
    for (const leader of this.roundLeaders) {
      const env = this.latest.get(leader);
      if (leader !== local && env) updated = this.echo(env.statement.pledges) || updated;
    }
    const {driver} = this.slot.ctx;
    driver.setupTimer(this.slot.slotIndex, "nomination", driver.computeTimeoutMs(this.round, "nomination"), () => {
      this.nominate(value, previousValue, true);
    });
    if (updated) this.emitNomination();
    return updated;
  }

  /** Ends nomination: no more NOMINATE messages, timer cancelled (draft: once h exists). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.slot.ctx.driver.setupTimer(this.slot.slotIndex, "nomination", 0, null);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  processEnvelope(env: Envelope<NominatePledge>): "valid" | "invalid" {
    const st = env.statement;
    const p = st.pledges;
    if (nominationSanityError(p)) return "invalid";
    const old = this.latest.get(st.nodeId);
    if (old && !isNewerNomination(old.statement.pledges, p)) return "invalid";
    this.latest.set(st.nodeId, env);
    if (!this.started || this.stopped) return "valid";

    const statements = this.statements();
    let modified = false;
    let newCandidates = false;
    for (const v of [...p.voted, ...p.accepted]) {
      const k = hex(v);
      if (this.accepted.has(k)) continue;
      const accepted = this.slot.federatedAccept(
        (s) => nominationHas(s, k, true),
        (s) => nominationHas(s, k, false),
        statements,
      );
      if (!accepted) continue;
      if (this.slot.ctx.driver.validateValue(this.slot.slotIndex, v, true) !== "valid") continue;
      // As stellar-core: an accepted value stays among the votes, so both lists only grow.
      this.accepted.set(k, v);
      this.votes.set(k, v);
      modified = true;
    }
    for (const [k, v] of this.accepted) {
      if (this.candidates.has(k)) continue;
      if (this.slot.federatedRatify((s) => nominationHas(s, k, false), statements)) {
        this.candidates.set(k, v);
        newCandidates = true;
      }
    }
    // Echo leaders only while no candidate exists: afterwards X is closed (draft).
    if (this.candidates.size === 0 && this.roundLeaders.has(st.nodeId)) modified = this.echo(p) || modified;

    if (modified) this.emitNomination();
    if (newCandidates) {
      const values = sortedUniqueValues(this.candidates.values());
      this.latestComposite = this.slot.ctx.driver.combineCandidates(this.slot.slotIndex, values);
      this.slot.ballot.bumpState(this.latestComposite, false);
    }
    return "valid";
  }

  /** The local node's latest emitted NOMINATE, if any (what `persistSlotState` stores). */
  get lastEmittedEnvelope(): Envelope<NominatePledge> | null {
    return this.lastEmitted;
  }

  /**
   * Restores the local node's own NOMINATE from persisted state (stellar-core
   * `setStateFromEnvelope`): X and Y as stated, so whatever it says next only grows them.
   * Only before nomination starts on this slot.
   */
  setStateFromEnvelope(env: Envelope<NominatePledge>): void {
    if (this.started) throw new Error("nomination already started on this slot");
    const p = env.statement.pledges;
    this.latest.set(env.statement.nodeId, env);
    for (const v of p.voted) this.votes.set(hex(v), v);
    for (const v of p.accepted) {
      this.votes.set(hex(v), v);
      this.accepted.set(hex(v), v);
    }
    this.lastEmitted = env;
  }

  latestEnvelopes(): Envelope<NominatePledge>[] {
    return [...this.latest.values()];
  }

  candidateValues(): Buffer[] {
    return sortedUniqueValues(this.candidates.values());
  }

  private statements(): Map<NodeId, Statement> {
    const m = new Map<NodeId, Statement>();
    for (const [n, e] of this.latest) m.set(n, e.statement);
    return m;
  }

  private addVote(value: Buffer): boolean {
    const k = hex(value);
    if (this.votes.has(k) || this.accepted.has(k)) return false;
    if (this.slot.ctx.driver.validateValue(this.slot.slotIndex, value, true) !== "valid") return false;
    this.votes.set(k, value);
    return true;
  }

  private echo(p: NominatePledge): boolean {
    let updated = false;
    for (const v of [...p.voted, ...p.accepted]) updated = this.addVote(v) || updated;
    return updated;
  }

  private updateRoundLeaders(): void {
    const {localNodeId, localQset} = this.slot.ctx;
    const nodes = quorumSetNodes(localQset);
    nodes.add(localNodeId);
    let top = 0n;
    let leaders: NodeId[] = [];
    for (const n of nodes) {
      // The local node always counts as its own neighbour, as in stellar-core.
      const w = n === localNodeId ? UINT64_MAX : nodeWeight(n, localQset);
      const neighbor = nominationHash(this.slot.slotIndex, this.previousValue, HASH_NEIGHBOR, this.round, n) <= w;
      const prio = neighbor ? nominationHash(this.slot.slotIndex, this.previousValue, HASH_PRIORITY, this.round, n) : 0n;
      if (prio > top) {
        top = prio;
        leaders = [n];
      } else if (prio === top && prio > 0n) {
        leaders.push(n);
      }
    }
    for (const l of leaders) this.roundLeaders.add(l);
  }

  private emitNomination(): void {
    if (this.stopped) return;
    const pledges: NominatePledge = {
      type: "nominate",
      voted: sortedUniqueValues(this.votes.values()),
      accepted: sortedUniqueValues(this.accepted.values()),
    };
    const env = this.slot.createEnvelope(pledges);
    if (this.slot.processEnvelope(env, true) !== "valid") return;
    if (!this.lastEmitted || isNewerNomination(this.lastEmitted.statement.pledges, pledges)) {
      this.lastEmitted = env;
      this.slot.persistState();
      this.slot.ctx.driver.emitEnvelope(env);
    }
  }
}

function nominationHas(s: Statement, valueHex: string, orVoted: boolean): boolean {
  const p = s.pledges;
  if (p.type !== "nominate") return false;
  if (p.accepted.some((v) => hex(v) === valueHex)) return true;
  return orVoted && p.voted.some((v) => hex(v) === valueHex);
}

/**
 * stellar-core `NominationProtocol::isNewerStatement`: a nomination replaces an older one from
 * the same node only if both lists are supersets of the old ones and at least one grew.
 */
export function isNewerNomination(old: NominatePledge, next: NominatePledge): boolean {
  const nextVoted = new Set(next.voted.map(hex));
  const nextAcc = new Set(next.accepted.map(hex));
  for (const v of old.voted) if (!nextVoted.has(hex(v))) return false;
  for (const v of old.accepted) if (!nextAcc.has(hex(v))) return false;
  return nextVoted.size > old.voted.length || nextAcc.size > old.accepted.length;
}
