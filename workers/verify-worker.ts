/**
 * Piscina entry point for signature verification: a thin shell over src/verify/verdict.ts.
 * Opens the node's LMDB environment read-only to look up signers in the last closed ledger.
 */
import {workerData} from "node:worker_threads";
import {LedgerStore} from "../src/store/ledger-store.js";
import {packVerdicts, verifyBatch, type VerifyBatch} from "../src/verify/verdict.js";
import type {VerifyWorkerData} from "../src/verify/pool.js";

const data = workerData as VerifyWorkerData;
const networkId = Buffer.from(data.networkId);
const store = new LedgerStore({dir: data.dataDir, readOnly: true});

export default function verify(batch: VerifyBatch): {packed: Uint8Array; runMs: number} {
  const t0 = performance.now();
  // An exact-size copy: the packer's own buffer is larger and reused for the next batch.
  const packed = new Uint8Array(packVerdicts(verifyBatch(batch, networkId, store)));
  return {packed, runMs: performance.now() - t0};
}
