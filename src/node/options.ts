import {DEFAULT_BASE_FEE, DEFAULT_BASE_RESERVE, DEFAULT_MAX_TX_SET_SIZE, DEFAULT_PASSPHRASE, DEFAULT_TOTAL_COINS} from "../ledger/options.js";
import {defaultHerderOptions} from "../herder/options.js";
import {defaultVerifyPoolOptions} from "../verify/options.js";
import {defaultStoreOptions} from "../store/options.js";
import {defaultPathFinderOptions} from "../dex/paths-options.js";

/** What `diamante init` fixes for the life of a network. */
export interface GenesisOptions {
  passphrase: string;
  /** Stroops held by the root account at genesis. */
  totalCoins: bigint;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
}

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
  /** Serve /friendbot (never on a public network). */
  friendbot: boolean;
  checkInvariants: boolean;
  logLevel: string;
  /** Ledgers of transaction history to keep (Horizon's HISTORY_RETENTION_COUNT); 0 keeps all. */
  historyRetention: number;
  genesis: GenesisOptions;
}

export const defaultNodeOptions: NodeOptions = {
  dataDir: "./data",
  /** Horizon's customary port. */
  port: 8000,
  host: "0.0.0.0",
  closeIntervalMs: defaultHerderOptions.closeIntervalMs,
  verifyThreads: defaultVerifyPoolOptions.threads,
  pathThreads: defaultPathFinderOptions.threads,
  friendbot: true,
  checkInvariants: false,
  logLevel: "info",
  historyRetention: defaultStoreOptions.historyRetention,
  genesis: {
    passphrase: DEFAULT_PASSPHRASE,
    totalCoins: DEFAULT_TOTAL_COINS,
    baseFee: DEFAULT_BASE_FEE,
    baseReserve: DEFAULT_BASE_RESERVE,
    maxTxSetSize: DEFAULT_MAX_TX_SET_SIZE,
  },
};
