import {Keypair, hash} from "@stellar/stellar-base";
import {SCP, defaultTimeoutMs, encodeStatement, quorumSetHash} from "../../../src/scp/index.js";
import type {Envelope, NodeId, Pledge, QuorumSet, SCPDriver, Statement, TimerKind} from "../../../src/scp/index.js";
import {prng} from "../../helpers/prng.js";

/** Deterministic keypair per index, so leader order is reproducible across runs. */
export function testKeypair(i: number): Keypair {
  return Keypair.fromRawEd25519Seed(hash(Buffer.from(`diamante-scp-test-node-${i}`)));
}

export {prng};

interface Timer {
  at: number;
  seq: number;
  cb: () => void;
}

interface Pending {
  from: NodeId;
  to: NodeId;
  env: Envelope;
}

export const statementDigest = (st: Statement): Buffer => hash(encodeStatement(st));
const signedBytes = statementDigest;

/**
 * In-memory network: every node's envelopes go to a queue delivered synchronously by `run`,
 * timers are fake and fire only when the queue is empty, in time order.
 */
export class Network {
  readonly nodes = new Map<NodeId, SCP>();
  readonly keys = new Map<NodeId, Keypair>();
  readonly externalized = new Map<NodeId, Map<number, Buffer>>();
  readonly qsets = new Map<string, QuorumSet>();
  readonly emitted: Pending[] = [];
  /** Nodes that neither send nor receive (crashed). */
  readonly crashed = new Set<NodeId>();
  /** When set, messages only flow between nodes of the same group. */
  partition: NodeId[][] | null = null;
  invalidEnvelopes = 0;
  now = 0;
  private queue: Pending[] = [];
  private timers = new Map<string, Timer>();
  private timerSeq = 0;
  private readonly rand: (() => number) | null;

  constructor(opts: {seed?: number} = {}) {
    this.rand = opts.seed === undefined ? null : prng(opts.seed);
  }

  addNode(kp: Keypair, qset: QuorumSet, validate?: (v: Buffer) => "valid" | "invalid" | "maybe_valid"): SCP {
    const id = kp.publicKey();
    this.keys.set(id, kp);
    this.qsets.set(quorumSetHash(qset).toString("hex"), qset);
    this.externalized.set(id, new Map());
    const driver: SCPDriver = {
      signEnvelope: (st) => kp.sign(signedBytes(st)),
      verifyEnvelope: (env) => Keypair.fromPublicKey(env.statement.nodeId).verify(signedBytes(env.statement), env.signature),
      emitEnvelope: (env) => this.broadcast(id, env),
      getQuorumSet: (h) => this.qsets.get(h.toString("hex")),
      validateValue: (_slot, v) => (validate ? validate(v) : "valid"),
      combineCandidates: (_slot, values) => values.reduce((a, b) => (Buffer.compare(a, b) >= 0 ? a : b)),
      valueExternalized: (slot, v) => {
        const m = this.externalized.get(id)!;
        if (m.has(slot)) throw new Error(`slot ${slot} externalized twice on ${id}`);
        m.set(slot, v);
      },
      setupTimer: (slot, kind, delay, cb) => this.setTimer(id, slot, kind, delay, cb),
      computeTimeoutMs: (round, kind) => defaultTimeoutMs(round, kind),
    };
    const scp = new SCP(id, qset, driver);
    this.nodes.set(id, scp);
    return scp;
  }

  private connected(a: NodeId, b: NodeId): boolean {
    if (this.crashed.has(a) || this.crashed.has(b)) return false;
    if (!this.partition) return true;
    return this.partition.some((g) => g.includes(a) && g.includes(b));
  }

  private broadcast(from: NodeId, env: Envelope): void {
    this.emitted.push({from, to: from, env});
    for (const to of this.nodes.keys()) {
      if (to !== from && this.connected(from, to)) this.queue.push({from, to, env});
    }
  }

  private setTimer(node: NodeId, slot: number, kind: TimerKind, delay: number, cb: (() => void) | null): void {
    const key = `${node}/${slot}/${kind}`;
    if (!cb) this.timers.delete(key);
    else this.timers.set(key, {at: this.now + delay, seq: this.timerSeq++, cb});
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Delivers every queued message (in seeded random order if a seed was given). */
  drain(maxMessages = 100_000): void {
    let n = 0;
    while (this.queue.length > 0) {
      if (++n > maxMessages) throw new Error("message storm: queue does not drain");
      const i = this.rand ? Math.floor(this.rand() * this.queue.length) : 0;
      const [m] = this.queue.splice(i, 1);
      if (!m || !this.connected(m.from, m.to)) continue;
      const res = this.nodes.get(m.to)!.receiveEnvelope(m.env);
      if (res === "invalid") this.invalidEnvelopes++;
    }
  }

  /** Fires the earliest timer of a live node; false when none is pending. */
  fireNextTimer(): boolean {
    let bestKey: string | undefined;
    let best: Timer | undefined;
    for (const [k, t] of this.timers) {
      if (this.crashed.has(k.split("/")[0]!)) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
        best = t;
        bestKey = k;
      }
    }
    if (!best || !bestKey) return false;
    this.timers.delete(bestKey);
    this.now = Math.max(this.now, best.at);
    best.cb();
    return true;
  }

  /** Runs until `done()` or no timer is left or `maxTimers` timers have fired. */
  run(done: () => boolean, maxTimers = 200): void {
    this.drain();
    let fired = 0;
    while (!done() && fired < maxTimers && this.fireNextTimer()) {
      fired++;
      this.drain();
    }
  }

  externalizedOn(slot: number, nodes: Iterable<NodeId> = this.nodes.keys()): (Buffer | undefined)[] {
    return [...nodes].map((n) => this.externalized.get(n)!.get(slot));
  }
}

export interface DriverCall {
  method: keyof SCPDriver;
  args: unknown[];
}

/**
 * One SCP node with a recording driver, for tests that feed envelopes by hand and assert what
 * the node emits (stellar-core's `TestSCP`): emitted envelopes in order, armed timers, driver
 * calls, persisted state, externalized values.
 */
export class TestNode {
  readonly scp: SCP;
  readonly id: NodeId;
  readonly emitted: Envelope[] = [];
  readonly calls: DriverCall[] = [];
  readonly timers = new Map<TimerKind, {delay: number; cb: () => void; seq: number}>();
  /** Number of timers armed so far; each armed timer records its number as `seq`. */
  timerSeq = 0;
  readonly timerDelays: Array<{kind: TimerKind; delay: number}> = [];
  readonly externalized = new Map<number, Buffer>();
  readonly persisted = new Map<number, Envelope[]>();
  readonly qsets = new Map<string, QuorumSet>();
  validate: (v: Buffer) => "valid" | "invalid" | "maybe_valid" = () => "valid";
  composite: ((values: Buffer[]) => Buffer) | null = null;

  constructor(
    readonly kp: Keypair,
    qset: QuorumSet,
    opts: {persist?: boolean} = {},
  ) {
    this.id = kp.publicKey();
    this.storeQuorumSet(qset);
    const log = (method: keyof SCPDriver, ...args: unknown[]): void => {
      this.calls.push({method, args});
    };
    const driver: SCPDriver = {
      signEnvelope: (st) => kp.sign(signedBytes(st)),
      verifyEnvelope: (env) => {
        log("verifyEnvelope", env);
        return Keypair.fromPublicKey(env.statement.nodeId).verify(signedBytes(env.statement), env.signature);
      },
      emitEnvelope: (env) => {
        log("emitEnvelope", env);
        this.emitted.push(env);
      },
      getQuorumSet: (h) => {
        log("getQuorumSet", h);
        return this.qsets.get(h.toString("hex"));
      },
      validateValue: (slot, v, nomination) => {
        log("validateValue", slot, v, nomination);
        return this.validate(v);
      },
      combineCandidates: (_slot, values) => (this.composite ? this.composite(values) : values[values.length - 1]!),
      valueExternalized: (slot, v) => {
        if (this.externalized.has(slot)) throw new Error(`slot ${slot} externalized twice`);
        this.externalized.set(slot, v);
      },
      setupTimer: (_slot, kind, delay, cb) => {
        if (cb) {
          this.timers.set(kind, {delay, cb, seq: ++this.timerSeq});
          this.timerDelays.push({kind, delay});
        } else {
          this.timers.delete(kind);
        }
      },
      computeTimeoutMs: (round, kind) => defaultTimeoutMs(round, kind),
    };
    if (opts.persist) {
      driver.persistSlotState = (slot, envs) => {
        log("persistSlotState", slot, envs);
        this.persisted.set(slot, envs);
      };
    }
    this.scp = new SCP(this.id, qset, driver);
  }

  storeQuorumSet(q: QuorumSet): Buffer {
    const h = quorumSetHash(q);
    this.qsets.set(h.toString("hex"), q);
    return h;
  }

  /** Fires the pending timer of `kind`; false when none is armed. */
  fireTimer(kind: TimerKind): boolean {
    const t = this.timers.get(kind);
    if (!t) return false;
    this.timers.delete(kind);
    t.cb();
    return true;
  }

  /** Driver calls made while `fn` runs. */
  callsDuring(fn: () => void): DriverCall[] {
    const from = this.calls.length;
    fn();
    return this.calls.slice(from);
  }
}

/** A statement of `kp` signed with `signer` (defaults to `kp`: an honest envelope). */
export function signedEnvelope<P extends Pledge>(kp: Keypair, slotIndex: number, qsetHash: Buffer, pledges: P, signer: Keypair = kp): Envelope<P> {
  const statement: Statement<P> = {nodeId: kp.publicKey(), slotIndex, quorumSetHash: qsetHash, pledges};
  return {statement, signature: signer.sign(signedBytes(statement))};
}
