/**
 * Piscina entry point for path queries: a thin shell over src/dex/paths-finder.ts. Opens the
 * node's LMDB environment read-only and keeps decoded books across tasks (paths-book.ts); each
 * task reads one snapshot of the last closed ledger and releases it before returning.
 */
import {workerData} from "node:worker_threads";
import {LedgerStore} from "../src/store/ledger-store.js";
import {StoreBookView} from "../src/dex/paths-book.js";
import {pathOutcome, type PathRequest} from "../src/dex/paths-finder.js";
import type {PathTaskResult, PathWorkerData} from "../src/dex/paths-pool.js";

const data = workerData as PathWorkerData;
/**
 * Opened on the first query, not when the thread starts: Piscina starts its threads with the pool,
 * and a node stopped (or a data folder removed) before any query must not leave a thread failing
 * to open LMDB behind it.
 */
let opened: {store: LedgerStore; view: StoreBookView} | null = null;

export default function findPaths(request: PathRequest): PathTaskResult {
  const t0 = performance.now();
  if (opened === null) {
    const s = new LedgerStore({dir: data.dataDir, readOnly: true});
    opened = {store: s, view: new StoreBookView(s)};
  }
  const {store, view} = opened;
  try {
    return {outcome: pathOutcome(store, view, request, data.limits), runMs: performance.now() - t0};
  } finally {
    // Piscina parks an idle worker in Atomics.wait, where lmdb-js's timer that would end the read
    // transaction never fires: end it now, or the next task reads a stale ledger and LMDB cannot
    // reuse any page freed meanwhile.
    store.endReads();
  }
}
