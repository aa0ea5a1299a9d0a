import {DEFAULT_BASE_FEE, DEFAULT_BASE_RESERVE, DEFAULT_MAX_TX_SET_SIZE, DEFAULT_PASSPHRASE, DEFAULT_TOTAL_COINS} from "../ledger/options.js";
import {defaultHerderOptions} from "../herder/options.js";
import {defaultVerifyPoolOptions} from "../verify/options.js";
import {defaultStoreOptions} from "../store/options.js";
import {defaultPathFinderOptions} from "../dex/paths-options.js";
import type {QuorumSet} from "../scp/types.js";
import type {WsOptions} from "../api/ws/options.js";
import type {SseOptions} from "../api/stream/options.js";
import type {LedgerFeedOptions} from "../api/stream/feed.js";

/** What `diamante init` fixes for the life of a network. */
export interface GenesisOptions {
  passphrase: string;
  /** Stroops held by the root account at genesis. */
  totalCoins: bigint;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
}

/** A node of a network of validators (absent: a standalone node, quorum of itself). */
export interface NetworkNodeOptions {
  /** True: votes in consensus and proposes ledgers; false: a watcher that follows and serves the API. */
  validator: boolean;
  /** Whom this node trusts: nested k-of-n sets of validators' G... keys. */
  quorumSet: QuorumSet;
  /** Peer listener address and port (0: any free port). */
  peerHost: string;
  peerPort: number;
  /** Peers to dial, "host:port" or "G...@host:port". */
  peers: string[];
  /** The node key's secret seed file (default: node.key in the data folder). */
  nodeKeyFile?: string;
  /**
   * The history archive: a validator publishes a checkpoint into it every 64 ledgers when it can
   * write there; a node started on an empty data folder first loads the archive's latest
   * checkpoint (then catches up the rest from peers).
   */
  history?: HistoryArchiveConfig;
}

/**
 * Where a node's history archive lives: a folder; shell command templates as stellar-core's
 * `[HISTORY]` (get: {0} remote path, {1} local file; put: {0} local file, {1} remote path;
 * mkdir: {0} remote folder), so any bucket with a CLI works; or a read-only http(s) URL.
 */
export type HistoryArchiveConfig = {folder: string} | {get?: string; put?: string; mkdir?: string} | {url: string};

export interface NodeOptions {
  dataDir: string;
  /** API port; 0 picks a free one. */
  port: number;
  host: string;
  closeIntervalMs: number;
  /** Signature worker threads; 0 verifies on the main thread. */
  verifyThreads: number;
  /** Path finding worker threads; 0 answers /paths queries on the main thread. */
  pathThreads: number;
  /**
   * Port of a dedicated path-finding listener (dex/paths-listener.ts: /paths/* answered from a
   * thread of its own, never waiting on the main thread); 0 picks a free one; absent: none.
   */
  pathsPort?: number;
  /** Nice value of the signature worker threads (verify/options.ts). */
  verifyNice: number;
  /** Nice value of the path-finding threads, pool and listener (dex/paths-options.ts); below 0 needs CAP_SYS_NICE. */
  pathsNice: number;
  /**
   * Nice value of libuv's pool threads ("uv-pool", util/thread-names.ts), where lmdb-js runs each
   * LMDB write transaction: batch work a path query may go ahead of on a busy core. 0: as the process.
   */
  uvPoolNice: number;
  /** Serve /friendbot (never on a public network). */
  friendbot: boolean;
  checkInvariants: boolean;
  /** Longest slice of a ledger's apply before the event loop gets a turn (herder/ledger-manager.ts); 0: one turn. */
  closeSliceMs: number;
  /** While a ledger closes, the queue holds at most this many ledgers' operations (herder/options.ts). */
  closingQueueLedgers: number;
  logLevel: string;
  /** Ledgers of transaction history to keep (Horizon's HISTORY_RETENTION_COUNT); 0 keeps all. */
  historyRetention: number;
  /** Decoded ledger entries kept in memory (store/entry-cache.ts); 0 turns the cache off. */
  entryCacheEntries: number;
  genesis: GenesisOptions;
  network?: NetworkNodeOptions;
  /** /ws knobs (slow-consumer limit…); defaults in api/ws/options.ts. */
  ws?: Partial<WsOptions>;
  /** SSE stream knobs (heartbeat, stream limit, buffer per connection); absent: stream/options.ts defaults. */
  sse?: Partial<SseOptions>;
  /** The ledger event feed's knobs (kept window, preparation, record thread); absent: stream/feed.ts defaults. */
  feed?: Partial<LedgerFeedOptions>;
}

export const defaultNodeOptions: NodeOptions = {
  dataDir: "./data",
  /** Horizon's customary port. */
  port: 8000,
  host: "0.0.0.0",
  closeIntervalMs: defaultHerderOptions.closeIntervalMs,
  verifyThreads: defaultVerifyPoolOptions.threads,
  pathThreads: defaultPathFinderOptions.threads,
  verifyNice: defaultVerifyPoolOptions.nice,
  pathsNice: defaultPathFinderOptions.nice,
  uvPoolNice: 0,
  friendbot: true,
  checkInvariants: false,
  closeSliceMs: defaultHerderOptions.closeSliceMs,
  closingQueueLedgers: defaultHerderOptions.closingQueueLedgers,
  logLevel: "info",
  historyRetention: defaultStoreOptions.historyRetention,
  entryCacheEntries: defaultStoreOptions.entryCacheEntries,
  genesis: {
    passphrase: DEFAULT_PASSPHRASE,
    totalCoins: DEFAULT_TOTAL_COINS,
    baseFee: DEFAULT_BASE_FEE,
    baseReserve: DEFAULT_BASE_RESERVE,
    maxTxSetSize: DEFAULT_MAX_TX_SET_SIZE,
  },
};
