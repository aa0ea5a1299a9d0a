/**
 * What the API needs from the rest of the node. The node wires real implementations; the API
 * owns HTTP, JSON shapes, paging and caching only.
 */
import type {LedgerReader} from "../store/types.js";
import type {ResultCodes} from "../tx/types.js";
import type {PathFinder} from "../dex/paths-finder.js";
import type {Fbas} from "../scp/quorum.js";
import type {TemplatedApp} from "@trufflesuite/uws-js-unofficial";
import type {Metrics} from "../metrics/metrics.js";
import type {ApiOptions} from "./options.js";
import type {EventFeed} from "./stream/interface.js";

export interface SubmitOutcome {
  /**
   * PENDING: admitted, not yet in a ledger (async submit). DUPLICATE: already known.
   * ERROR: rejected at admission (400, with codes). SUCCESS / FAILED: included in a ledger.
   * TRY_AGAIN_LATER: queue full (503).
   */
  status: "PENDING" | "DUPLICATE" | "ERROR" | "SUCCESS" | "FAILED" | "TRY_AGAIN_LATER";
  hash: string;
  ledger?: number;
  envelopeXdr?: string;
  resultXdr?: string;
  resultCodes?: ResultCodes;
  /** For malformed input: a human message (mapped to 400 transaction_malformed). */
  error?: string;
}

export interface TxSubmitter {
  /** `wait`: resolve when the tx is in a ledger (POST /transactions); else at admission. */
  submit(envelopeBase64: string, wait: boolean): Promise<SubmitOutcome>;
}

export interface Friendbot {
  /** Creates and funds `address` from the root account; resolves when the ledger closes. */
  fund(address: string): Promise<SubmitOutcome>;
}

export interface FeeStatsSource {
  /** Per recent ledger: max fee bids per operation of the included txs, and capacity usage 0..1. */
  recentFees(): {ledger: number; baseFee: bigint; feesPerOp: bigint[]; capacityUsage: number}[];
}

export interface NodeInfo {
  networkPassphrase: string;
  coreVersion: string;
  horizonVersion: string;
  protocolVersion: number;
}

/** What /health reports besides the database: whether the node runs and keeps closing ledgers. */
export interface NodeHealth {
  coreUp(): boolean;
  coreSynced(): boolean;
}

/**
 * The network a node knows, for GET /quorum: its own quorum set plus the quorum sets of other
 * validators as consensus learns them (from their SCP statements' quorum set hashes, fetched
 * from peers). A standalone node knows only itself.
 */
export interface QuorumSource {
  /** The local node's id (G… strkey). */
  readonly self: string;
  /** Each known validator's quorum set, the local node's included. Called per request: keep it cheap. */
  fbas(): Fbas;
}

export interface ApiModules {
  reader: LedgerReader;
  submitter: TxSubmitter;
  friendbot: Friendbot | null;
  feeStats: FeeStatsSource;
  info: NodeInfo;
  /** Absent: the node is reported up and synced whenever the database answers. */
  health?: NodeHealth;
  /** Path finding (/paths/*), in the worker pool; absent: those routes answer 503. */
  paths?: PathFinder;
  /** GET /quorum: the analysis of the known network; absent: that route answers 503. */
  quorum?: QuorumSource;
  /** Each closed ledger's records, for the streams; absent: streams see no new ledgers. */
  feed?: EventFeed;
  /** Prometheus text exposition for GET /metrics */
  metricsText(): Promise<string>;
  /** Request and cache counters; absent: not counted (tests that build an API alone). */
  metrics?: Pick<Metrics, "apiRequests" | "apiCacheHits" | "apiCacheMisses" | "streamSubscribers">;
  /** The data behind /dashboard and /dashboard/assets; absent: those routes answer 404. */
  dashboard?: DashboardSource;
  /** A WebSocket endpoint registered on the same uWS app (/ws); absent: no /ws. */
  ws?: WsEndpoint;
}

export interface WsEndpoint {
  /** Registers the route; `api` lets it read history through the routes' own handlers. */
  attach(app: TemplatedApp, api: {modules: ApiModules; opts: ApiOptions; base(): string}): void;
  /** Closes every open socket (the server is stopping). */
  detach(): void;
}

/** JSON values the dashboard pages fetch; each computed at most once per ledger. */
export interface DashboardSource {
  network(): Promise<unknown>;
  /** Assets whose code or issuer contains `search` (case-insensitive), most holders first. */
  assets(search: string, limit: number): unknown;
  /** One asset's page against `counter` ("native" | "CODE:ISSUER"); undefined when nothing names the asset. */
  asset(code: string, issuer: string, counter: string | undefined): unknown;
}
