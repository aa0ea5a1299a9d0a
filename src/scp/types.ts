/**
 * Data model of the Stellar Consensus Protocol as specified by draft-mazieres-dinrg-scp-05
 * (section "Protocol"): quorum sets, ballots and the four statement kinds. Values are opaque
 * byte strings; the herder encodes them (tx set hash + close time) and SCP only compares them
 * as unsigned octet strings.
 */

/** A node is named by its ed25519 public key in StrKey form (`G…`). */
export type NodeId = string;

/**
 * A k-of-n quorum slice description: `threshold` of the members (validators plus inner sets,
 * each inner set counting as one member when its own threshold is met) form a slice.
 */
export interface QuorumSet {
  threshold: number;
  validators: NodeId[];
  innerSets: QuorumSet[];
}

/** Ballot `<counter, value>`; totally ordered by counter, then value (unsigned lexicographic). */
export interface Ballot {
  counter: number;
  value: Buffer;
}

/** NOMINATE: `voted` is X (votes to nominate), `accepted` is Y (accepted nominated). Disjoint, sorted. */
export interface NominatePledge {
  type: "nominate";
  voted: Buffer[];
  accepted: Buffer[];
}

/** PREPARE (draft "SCPPrepare"): nC/nH are c.counter and h.counter, 0 when absent. */
export interface PreparePledge {
  type: "prepare";
  ballot: Ballot;
  prepared: Ballot | null;
  preparedPrime: Ballot | null;
  nC: number;
  nH: number;
}

/** CONFIRM (the draft's "SCPCommit"): the value is fixed to `ballot.value`. */
export interface ConfirmPledge {
  type: "confirm";
  ballot: Ballot;
  nPrepared: number;
  nCommit: number;
  nH: number;
}

/** EXTERNALIZE: `commit` is the lowest confirmed committed ballot, nH the highest counter. */
export interface ExternalizePledge {
  type: "externalize";
  commit: Ballot;
  nH: number;
}

export type BallotPledge = PreparePledge | ConfirmPledge | ExternalizePledge;
export type Pledge = NominatePledge | BallotPledge;

export interface Statement<P extends Pledge = Pledge> {
  nodeId: NodeId;
  slotIndex: number;
  /** sha256 of the sender's canonical quorum set (see `quorumSetHash`). */
  quorumSetHash: Buffer;
  pledges: P;
}

export interface Envelope<P extends Pledge = Pledge> {
  statement: Statement<P>;
  signature: Buffer;
}

/** Counter standing for "infinity" (draft: 2^32 is above any serialisable counter). */
export const COUNTER_INFINITY = 0xffffffff;

/** Ballot-protocol phases of a slot (draft table "Phases of SCP for a slot"). */
export type BallotPhase = "prepare" | "confirm" | "externalize";
