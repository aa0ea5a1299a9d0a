/**
 * Piscina entry point for path queries and the order-book and trade reads: a thin shell over
 * src/dex/paths-finder.ts and src/api/queries/book-queries.ts. Opens the
 * node's LMDB environment read-only and keeps decoded books across tasks (paths-book.ts); each
 * task reads one snapshot of the last closed ledger and releases it before returning.
 */
import {workerData} from "node:worker_threads";
import {LedgerStore} from "../src/store/ledger-store.js";
import {StoreBookView} from "../src/dex/paths-book.js";
import {pathOutcome} from "../src/dex/paths-finder.js";
import type {BookTaskResult, PathTask, PathTaskResult, PathWorkerData} from "../src/dex/paths-pool.js";
import {answerBookQuery} from "../src/api/queries/book-queries.js";
import {DiamanteError} from "../src/util/errors.js";
import {niceThisThread} from "../src/util/thread-priority.js";
import {nameThisThread} from "../src/util/thread-names.js";

const data = workerData as PathWorkerData;
nameThisThread("paths-worker");
/**
 * Opened by the first task (the pool's warm-up), not when the module loads: a failure to open then
 * rejects that task, where at load it was an uncaught error of a thread a stopped node had left
 * starting after its data folder was removed.
 */
let opened: {store: LedgerStore; view: StoreBookView} | null = null;

export default function findPaths(task: PathTask): PathTaskResult | BookTaskResult {
  const t0 = performance.now();
  if (opened === null) {
    // Lowering the nice value needs CAP_SYS_NICE; without it the thread stays as the process.
    if (data.nice !== undefined && data.nice !== 0) niceThisThread(data.nice);
    const s = new LedgerStore({dir: data.dataDir, readOnly: true});
    opened = {store: s, view: new StoreBookView(s)};
  }
  const {store, view} = opened;
  try {
    if (task.kind === "warm") {
      // The books this task decoded: all of them at start, those a ledger changed after a close.
      const before = view.booksLoaded;
      const ledger = view.sync();
      view.warm();
      return {outcome: {ok: true, answer: {paths: [], ledger, work: view.booksLoaded - before}}, runMs: performance.now() - t0};
    }
    if (task.kind === "order_book" || task.kind === "trades" || task.kind === "trade_aggregations") {
      try {
        return {outcome: {ok: true, answer: answerBookQuery(store, task)}, runMs: performance.now() - t0};
      } catch (err) {
        if (err instanceof DiamanteError) return {outcome: {ok: false, error: err.toData()}, runMs: performance.now() - t0};
        throw err;
      }
    }
    return {outcome: pathOutcome(store, view, task, data.limits), runMs: performance.now() - t0};
  } finally {
    // Piscina parks an idle worker in Atomics.wait, where lmdb-js's timer that would end the read
    // transaction never fires: end it now, or the next task reads a stale ledger and LMDB cannot
    // reuse any page freed meanwhile.
    store.endReads();
  }
}
