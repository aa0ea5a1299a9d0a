import {BallotProtocol} from "./ballot.js";
import type {SCPDriver} from "./interface.js";
import {NominationProtocol} from "./nomination.js";
import type {ScpOptions} from "./options.js";
import {isQuorum, isVBlocking, singletonQuorumSet} from "./quorum.js";
import type {BallotPledge, Envelope, NodeId, NominatePledge, Pledge, QuorumSet, Statement} from "./types.js";

/** What every slot shares: the local node, its quorum set, the driver and the options. */
export interface SlotContext {
  localNodeId: NodeId;
  localQset: QuorumSet;
  localQsetHash: Buffer;
  driver: SCPDriver;
  opts: ScpOptions;
}

/**
 * One consensus instance (one ledger). Owns the nomination and ballot protocols and the two
 * federated-voting primitives they share.
 */
export class Slot {
  readonly nomination: NominationProtocol;
  readonly ballot: BallotProtocol;

  constructor(
    readonly slotIndex: number,
    readonly ctx: SlotContext,
  ) {
    this.nomination = new NominationProtocol(this);
    this.ballot = new BallotProtocol(this);
  }

  /**
   * Quorum set to use for a statement's sender. EXTERNALIZE is a "confirm" message: the sender
   * has already checked its quorum, so it counts as the singleton {sender} (draft "confirm a").
   */
  quorumSetOf(st: Statement): QuorumSet | undefined {
    if (st.pledges.type === "externalize") return singletonQuorumSet(st.nodeId);
    if (st.nodeId === this.ctx.localNodeId) return this.ctx.localQset;
    return this.ctx.driver.getQuorumSet(st.quorumSetHash);
  }

  /**
   * Draft accept rule: `accept` reaches blocking threshold, or `vote-or-accept` reaches quorum
   * threshold (a quorum that includes this node).
   */
  federatedAccept(
    votedOrAccepted: (s: Statement) => boolean,
    accepted: (s: Statement) => boolean,
    statements: Map<NodeId, Statement>,
  ): boolean {
    const acceptors = new Set<NodeId>();
    for (const [n, s] of statements) if (accepted(s)) acceptors.add(n);
    if (isVBlocking(this.ctx.localQset, acceptors)) return true;
    return this.federatedRatify((s) => votedOrAccepted(s) || accepted(s), statements);
  }

  /**
   * Quorum threshold (stellar-core `LocalNode::isQuorum`): the nodes stating `pred`, pruned to
   * those whose own slice lies inside the set, contain a slice of this node. This node need
   * not be among them: a quorum that outweighs it (e.g. 4 peers of a 4-of-5 set that voted
   * for another ballot) moves it too.
   */
  federatedRatify(pred: (s: Statement) => boolean, statements: Map<NodeId, Statement>): boolean {
    const nodes = new Set<NodeId>();
    for (const [n, s] of statements) if (pred(s)) nodes.add(n);
    return isQuorum(this.ctx.localQset, nodes, (n) => {
      const s = statements.get(n);
      return s ? this.quorumSetOf(s) : undefined;
    });
  }

  createEnvelope<P extends Pledge>(pledges: P): Envelope<P> {
    const statement: Statement<P> = {
      nodeId: this.ctx.localNodeId,
      slotIndex: this.slotIndex,
      quorumSetHash: this.ctx.localQsetHash,
      pledges,
    };
    return {statement, signature: this.ctx.driver.signEnvelope(statement)};
  }

  /** Routes an (already authenticated) envelope to the protocol it belongs to. */
  processEnvelope(env: Envelope, self: boolean): "valid" | "invalid" {
    if (env.statement.pledges.type === "nominate") {
      return this.nomination.processEnvelope(env as Envelope<NominatePledge>);
    }
    return this.ballot.processEnvelope(env as Envelope<BallotPledge>, self);
  }

  /** Hands the local node's latest NOMINATE and ballot statement to the driver to persist. */
  persistState(): void {
    const {driver} = this.ctx;
    if (!driver.persistSlotState) return;
    const envs: Envelope[] = [];
    if (this.nomination.lastEmittedEnvelope) envs.push(this.nomination.lastEmittedEnvelope);
    if (this.ballot.lastEmittedEnvelope) envs.push(this.ballot.lastEmittedEnvelope);
    driver.persistSlotState(this.slotIndex, envs);
  }

  /** Restores one of the local node's own persisted statements (see `SCP.restoreState`). */
  setStateFromEnvelope(env: Envelope): void {
    if (env.statement.pledges.type === "nominate") this.nomination.setStateFromEnvelope(env as Envelope<NominatePledge>);
    else this.ballot.setStateFromEnvelope(env as Envelope<BallotPledge>);
  }

  latestEnvelopes(): Envelope[] {
    return [...this.nomination.latestEnvelopes(), ...this.ballot.latestEnvelopes()];
  }

  stopTimers(): void {
    this.ctx.driver.setupTimer(this.slotIndex, "nomination", 0, null);
    this.ctx.driver.setupTimer(this.slotIndex, "ballot", 0, null);
  }
}
