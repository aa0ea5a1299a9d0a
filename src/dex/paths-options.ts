import {availableParallelism} from "node:os";
import type {PathSearchLimits} from "./paths.js";

export interface PathFinderOptions extends PathSearchLimits {
  /** Worker threads; 0 runs queries on the calling thread (tests, tiny deployments). */
  threads: number;
  /** Queries waiting for a worker beyond which new ones are refused (503, as Horizon's rate limit). */
  maxQueue: number;
  /** Most assets a query may list (source_assets / destination_assets); Horizon's max-assets-per-path-request. */
  maxAssetsPerQuery: number;
  /**
   * Nice value of the path threads (pool workers and the --paths-port listener), Linux, per
   * thread. Below 0 a query takes a core ahead of the node's other threads, but that needs
   * CAP_SYS_NICE (root outside a container); without it the thread stays as it was and the
   * node logs a warning.
   */
  nice: number;
}

export const defaultPathFinderOptions: PathFinderOptions = {
  /**
   * One thread on a 2-core box: the main thread owns HTTP and apply, the verify pool another
   * worker; a query takes a few ms, so one thread answers hundreds a second.
   */
  threads: Math.max(1, Math.min(2, availableParallelism() - 1)),
  /**
   * 64 queries: at the few ms each takes (native-bench paths figures) that is well under a
   * second of backlog; beyond it a client is better told to retry than kept waiting.
   */
  maxQueue: 64,
  /** Issue 6 and Horizon's deepest in-memory search: 4 hops (3 intermediate assets). Horizon allows up to 5. */
  maxHops: 4,
  /** Horizon's maxAssetsPerPath: 5 paths per source or destination asset. */
  maxPathsPerAsset: 5,
  /**
   * 200,000 units (a book considered or an offer crossed, ~1-2 µs each): a 4-hop search over
   * 10,000 offers in 50 assets spends ~10-40k, so honest queries pass with room, while one that
   * would walk huge books over many assets stops within a few hundred ms of worker time.
   */
  maxWork: 200_000,
  /** Horizon's default max-assets-per-path-request. */
  maxAssetsPerQuery: 15,
  /** As the process: lowering needs a privilege most deployments do not grant; the verify workers yield instead (VerifyPoolOptions.nice). */
  nice: 0,
};
