/**
 * Piscina entry point for signature verification: a thin shell over src/verify/verdict.ts.
 * Opens the node's LMDB environment read-only to look up signers in the last closed ledger.
 */
import {workerData} from "node:worker_threads";
import {LedgerStore} from "../src/store/ledger-store.js";
import {packVerdicts, verifyBatch, type VerifyBatch} from "../src/verify/verdict.js";
import type {VerifyWorkerData} from "../src/verify/pool.js";
import {nameThisThread} from "../src/util/thread-names.js";
import {niceThisThread} from "../src/util/thread-priority.js";

const data = workerData as VerifyWorkerData;
const networkId = Buffer.from(data.networkId);
const store = new LedgerStore({dir: data.dataDir, readOnly: true});
nameThisThread("verify-worker");
// Raising a thread's own nice value needs no privilege; where it fails (not Linux) nothing changed.
if (data.nice !== undefined && data.nice !== 0) niceThisThread(data.nice);

export default function verify(batch: VerifyBatch): {packed: Uint8Array; runMs: number} {
  const t0 = performance.now();
  // An exact-size copy: the packer's own buffer is larger and reused for the next batch.
  let packed: Uint8Array;
  try {
    packed = new Uint8Array(packVerdicts(verifyBatch(batch, networkId, store)));
  } finally {
    // Piscina parks an idle worker in Atomics.wait, so the timer lmdb-js uses to end a read
    // transaction never fires: without this the worker kept one old snapshot until its next batch,
    // verified against it, and pinned every page freed since (measured: free pages 1,192 → 12,128
    // after 10k payments; `diamante db stats`).
    store.endReads();
  }
  return {packed, runMs: performance.now() - t0};
}
