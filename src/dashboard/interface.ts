/**
 * What the dashboards show, as the JSON the pages fetch (/dashboard/api/...) and the metrics
 * frames the WebSocket pushes. Amounts are Horizon amount strings (7 decimals), never numbers.
 */
import type {LatencyPercentiles} from "../metrics/latency.js";

/** One validator's panel on the network dashboard. */
export interface NodeStatus {
  /** The node's public key (G…). */
  id: string;
  /** True for the node serving this page. */
  self: boolean;
  ledger: number;
  /** Unix seconds of that ledger's close. */
  closedAt: number;
  /** Where consensus on the next ledger stands (e.g. "externalized", "nominating", "balloting"). */
  phase: string;
  /** Authenticated peers (null: a node this one only heard of through SCP, which did not say). */
  peers: number | null;
  /** Health of the node's quorum set (null while its quorum set is unknown here). */
  quorum: QuorumHealth | null;
}

export interface QuorumHealth {
  /** Validators named by the node's quorum set (itself included when it is listed). */
  validators: number;
  threshold: number;
  /** Validators of the set not heard from lately (stopped, cut off or silent). */
  down: number;
  /**
   * The smallest blocking set among the validators still up: how many more failures leave the
   * node without a quorum (0: it cannot close ledgers now).
   */
  failuresToHalt: number;
  /** How many more validators may fail while the node's quorum still agrees. */
  toleratedFailures: number;
  /** True when one more failure halts the network as this node sees it. */
  oneFailureFromHalt: boolean;
}

/** One closed ledger on the charts. */
export interface LedgerPoint {
  seq: number;
  /** Unix seconds (ledger close time). */
  closedAt: number;
  txs: number;
  failed: number;
  ops: number;
  /** Apply + records + commit on this node, ms. */
  closeMs: number;
}

/** One sampling interval of the node's counters. */
export interface SamplePoint {
  /** Unix ms at the end of the interval. */
  t: number;
  ledger: number;
  /** Transactions applied per second over the interval. */
  tps: number;
  queue: number;
  apiRps: number;
  /** Hits / (hits + misses) of cacheable GETs in the interval; null with none. */
  cacheHitRatio: number | null;
  /** Busy share of the verify threads (0..1). */
  verifyUtilization: number;
  /** Mean wait of a verify batch before a thread takes it, ms; null with no batch. */
  verifyWaitMs: number | null;
  rejectedPerSec: number;
  subscribers: {ws: number; sse: number};
  latencyP50: number;
  latencyP99: number;
}

export interface NetworkSnapshot {
  now: number;
  nodes: NodeStatus[];
  ledgers: LedgerPoint[];
  samples: SamplePoint[];
  latency: {recent: LatencyPercentiles; overall: LatencyPercentiles; windowSeconds: number};
  /** Admission refusals since start, by reason (tx result code or queue reason). */
  rejectedByCode: Record<string, number>;
  /** Transactions applied as failed since start, by their first failing code. */
  failedByCode: Record<string, number>;
}

/** One frame of the /ws metrics topic: a sample, the ledgers closed since the last frame, the panels. */
export interface MetricsFrame {
  type: "metrics";
  channel: "metrics";
  sample: SamplePoint;
  ledgers: LedgerPoint[];
  nodes: NodeStatus[];
  latency: NetworkSnapshot["latency"];
  rejectedByCode: Record<string, number>;
  failedByCode: Record<string, number>;
}
