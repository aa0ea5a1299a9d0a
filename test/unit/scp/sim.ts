import {createHash} from "node:crypto";
import {Keypair, hash} from "@stellar/stellar-base";
import {SCP, befouledNodes, defaultTimeoutMs, encodeStatement} from "../../../src/scp/index.js";
import type {Envelope, NodeId, QuorumSet, SCPDriver, TimerKind} from "../../../src/scp/index.js";
import {quorumSetHash} from "../../../src/scp/index.js";
import {prng} from "./harness.js";

/**
 * Seeded discrete-event simulation of an SCP network: virtual time, one event queue for
 * message deliveries, timers, slot starts and the herder's periodic re-broadcast. Every random
 * choice comes from one seeded PRNG, so a seed replays exactly.
 *
 * The scheduler delays every message by a random time (which also reorders), drops messages
 * while `lossUntilMs` has not passed, and duplicates some. Nodes can be honest, crashed (never
 * send or receive) or equivocators: several SCP instances under the same key, each proposing
 * its own value and speaking to its own share of the peers.
 */

export type Behaviour = "honest" | "crashed" | "equivocator";

export interface SimNode {
  kp: Keypair;
  qset: QuorumSet;
  behaviour: Behaviour;
}

export interface SimOptions {
  seed: number;
  /** Consecutive slots (ledgers) each node runs, starting at slot 1. */
  slots: number;
  /** Each copy of a message arrives after a uniform delay in [0, maxDelayMs]. */
  maxDelayMs: number;
  /** Probability a copy is dropped, while virtual time < lossUntilMs. */
  dropRate: number;
  lossUntilMs: number;
  /** Probability a delivered copy arrives twice. */
  dupRate: number;
  /**
   * Period of the herder's re-broadcast of the node's own latest envelopes (stellar-core's
   * herder does this too): without it a message lost before the last timeout is lost forever.
   */
  rebroadcastMs: number;
  /** Re-flood every envelope a node accepted as valid (the overlay's flooding). */
  relay: boolean;
  /** Virtual time after which the run stops. */
  maxTimeMs: number;
}

export const defaultSimOptions: Omit<SimOptions, "seed"> = {
  slots: 2,
  maxDelayMs: 400,
  dropRate: 0.2,
  lossUntilMs: 4000,
  dupRate: 0.1,
  rebroadcastMs: 2000,
  relay: false,
  maxTimeMs: 30 * 60 * 1000,
};

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

/** Binary min-heap on (at, seq): deterministic order for equal times. */
class EventQueue {
  private heap: Event[] = [];
  get size(): number {
    return this.heap.length;
  }
  push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
const less = (a: Event, b: Event): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** One SCP instance (an equivocator has several) and what it has externalized. */
interface Persona {
  owner: NodeId;
  scp: SCP;
  /** Peers this persona's own statements go to. */
  audience: NodeId[];
  externalized: Map<number, Buffer>;
  proposal: (slot: number) => Buffer;
}

export interface SimResult {
  /** Externalized values of every honest (non-faulty) node, per slot. */
  externalized: Map<NodeId, Map<number, Buffer>>;
  intact: NodeId[];
  proposals: Set<string>;
  timeMs: number;
  messages: number;
}

export class Simulation {
  private readonly rand: () => number;
  private readonly queue = new EventQueue();
  private seq = 0;
  now = 0;
  messages = 0;
  private readonly personas = new Map<NodeId, Persona[]>();
  private readonly qsets = new Map<string, QuorumSet>();
  private readonly timerGen = new Map<string, number>();
  private readonly signingTags = new Map<NodeId, Buffer>();
  readonly proposals = new Set<string>();
  private readonly ids: NodeId[];

  constructor(
    private readonly nodes: SimNode[],
    private readonly opts: SimOptions,
  ) {
    this.rand = prng(opts.seed);
    this.ids = nodes.map((n) => n.kp.publicKey());
    for (const n of nodes) {
      this.qsets.set(quorumSetHash(n.qset).toString("hex"), n.qset);
      this.signingTags.set(n.kp.publicKey(), hash(Buffer.concat([n.kp.rawSecretKey(), Buffer.from("sim-signing")])));
    }
    for (const n of nodes) this.setupNode(n);
  }

  private at(delay: number, run: () => void): void {
    this.queue.push({at: this.now + delay, seq: this.seq++, run});
  }

  private setupNode(n: SimNode): void {
    const id = n.kp.publicKey();
    if (n.behaviour === "crashed") return;
    const peers = this.ids.filter((p) => p !== id);
    const count = n.behaviour === "equivocator" ? 2 : 1;
    const list: Persona[] = [];
    for (let k = 0; k < count; k++) {
      const audience = count === 1 ? peers : peers.filter((_, i) => i % count === k);
      const tag = `${this.opts.seed}/${id.slice(0, 6)}/${k}`;
      const proposal = (slot: number): Buffer => Buffer.from(`value/${slot}/${tag}/${Math.floor(this.rand() * 1e6)}`);
      const persona: Persona = {owner: id, scp: undefined as unknown as SCP, audience, externalized: new Map(), proposal};
      persona.scp = new SCP(id, n.qset, this.driverFor(n, persona));
      list.push(persona);
    }
    this.personas.set(id, list);
    for (const p of list) this.at(Math.floor(this.rand() * this.opts.maxDelayMs), () => this.startSlot(p, 1, Buffer.from("genesis")));
    const rebroadcast = (): void => {
      for (const p of list) this.rebroadcast(p);
      this.at(this.opts.rebroadcastMs, rebroadcast);
    };
    this.at(this.opts.rebroadcastMs, rebroadcast);
  }

  private sign(node: NodeId, bytes: Buffer): Buffer {
    return createHash("sha256").update(this.signingTags.get(node)!).update(bytes).digest();
  }

  /**
   * Keyed-hash "signatures": only the node's own tag produces them and the simulation checks
   * them as an oracle, so a Byzantine node can sign only as itself, as with ed25519 (real
   * signatures are covered by the validation tests; here they would only cost time).
   */
  private driverFor(n: SimNode, persona: Persona): SCPDriver {
    const id = n.kp.publicKey();
    return {
      signEnvelope: (st) => this.sign(id, encodeStatement(st)),
      verifyEnvelope: (env) => {
        const tag = this.signingTags.get(env.statement.nodeId);
        return tag !== undefined && this.sign(env.statement.nodeId, encodeStatement(env.statement)).equals(env.signature);
      },
      emitEnvelope: (env) => this.send(id, persona.audience, env),
      getQuorumSet: (h) => this.qsets.get(h.toString("hex")),
      validateValue: () => "valid",
      combineCandidates: (_slot, values) => values[values.length - 1]!,
      valueExternalized: (slot, value) => {
        if (persona.externalized.has(slot)) throw new Error(`slot ${slot} externalized twice on ${id}`);
        persona.externalized.set(slot, value);
        if (slot < this.opts.slots) this.at(1 + Math.floor(this.rand() * 50), () => this.startSlot(persona, slot + 1, value));
      },
      setupTimer: (slot, kind, delay, cb) => this.setTimer(persona, slot, kind, delay, cb),
      computeTimeoutMs: (round, kind) => defaultTimeoutMs(round, kind),
    };
  }

  private startSlot(p: Persona, slot: number, prev: Buffer): void {
    const value = p.proposal(slot);
    this.proposals.add(value.toString());
    p.scp.nominate(slot, value, prev);
  }

  private setTimer(p: Persona, slot: number, kind: TimerKind, delay: number, cb: (() => void) | null): void {
    const key = `${p.owner}/${p.audience.join(",")}/${slot}/${kind}`;
    const gen = (this.timerGen.get(key) ?? 0) + 1;
    this.timerGen.set(key, gen);
    if (!cb) return;
    this.at(delay, () => {
      if (this.timerGen.get(key) === gen) cb();
    });
  }

  private rebroadcast(p: Persona): void {
    for (let slot = 1; slot <= this.opts.slots; slot++) {
      for (const env of p.scp.getLatestMessages(slot)) {
        if (env.statement.nodeId === p.owner) this.send(p.owner, p.audience, env);
      }
    }
  }

  /** Schedules one copy per peer, each independently delayed, dropped or duplicated. */
  private send(from: NodeId, to: NodeId[], env: Envelope): void {
    for (const peer of to) {
      if (this.now < this.opts.lossUntilMs && this.rand() < this.opts.dropRate) continue;
      const copies = this.rand() < this.opts.dupRate ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        this.at(Math.floor(this.rand() * this.opts.maxDelayMs), () => this.deliver(from, peer, env));
      }
    }
  }

  private readonly observed = new Map<NodeId, Set<string>>();

  /**
   * Records the distinct NOMINATE vote sets of node `index` that reach its peers (to show an
   * equivocator's peers really hear different things).
   */
  observeStatementsOf(index: number): Set<string> {
    const set = new Set<string>();
    this.observed.set(this.ids[index]!, set);
    return set;
  }

  private deliver(from: NodeId, to: NodeId, env: Envelope): void {
    const list = this.personas.get(to);
    if (!list) return; // crashed
    this.messages++;
    const p = env.statement.pledges;
    if (p.type === "nominate") this.observed.get(env.statement.nodeId)?.add(p.voted.map((v) => v.toString()).join("+"));
    let valid = false;
    for (const p of list) valid = p.scp.receiveEnvelope(env) === "valid" || valid;
    if (valid && this.opts.relay && list.length === 1) {
      this.send(to, this.ids.filter((p) => p !== to && p !== from && p !== env.statement.nodeId), env);
    }
  }

  /** Intact nodes (whitepaper): not befouled given the crashed and equivocating nodes. */
  intactNodes(): NodeId[] {
    const fbas = new Map(this.nodes.map((n) => [n.kp.publicKey(), n.qset] as const));
    const ill = new Set(this.nodes.filter((n) => n.behaviour !== "honest").map((n) => n.kp.publicKey()));
    const befouled = befouledNodes(fbas, ill);
    return this.ids.filter((id) => !befouled.has(id));
  }

  honestExternalized(): Map<NodeId, Map<number, Buffer>> {
    const out = new Map<NodeId, Map<number, Buffer>>();
    for (const n of this.nodes) {
      if (n.behaviour !== "honest") continue;
      out.set(n.kp.publicKey(), this.personas.get(n.kp.publicKey())![0]!.externalized);
    }
    return out;
  }

  /** Runs until every node in `waitFor` externalized every slot, or until maxTimeMs. */
  run(waitFor: NodeId[]): SimResult {
    const ext = this.honestExternalized();
    const done = (): boolean => waitFor.every((id) => (ext.get(id)?.size ?? 0) >= this.opts.slots);
    while (!done()) {
      const e = this.queue.pop();
      if (!e || e.at > this.opts.maxTimeMs) break;
      this.now = e.at;
      e.run();
    }
    return {externalized: ext, intact: waitFor, proposals: this.proposals, timeMs: this.now, messages: this.messages};
  }
}

/**
 * Checks a run: no two intact nodes externalized different values for a slot, every value is
 * one some node proposed, and (liveness) every intact node externalized every slot. Returns
 * the problems found, empty when the run is correct.
 */
export function checkRun(r: SimResult, slots: number): string[] {
  const problems: string[] = [];
  for (let slot = 1; slot <= slots; slot++) {
    const values = new Map<string, NodeId[]>();
    for (const id of r.intact) {
      const v = r.externalized.get(id)?.get(slot);
      if (!v) {
        problems.push(`intact ${id.slice(0, 5)} did not externalize slot ${slot}`);
        continue;
      }
      const k = v.toString();
      if (!r.proposals.has(k)) problems.push(`slot ${slot}: externalized a value nobody proposed`);
      values.set(k, [...(values.get(k) ?? []), id]);
    }
    if (values.size > 1) problems.push(`slot ${slot}: intact nodes diverged: ${[...values.keys()].join(" | ")}`);
  }
  return problems;
}
