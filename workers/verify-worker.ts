/**
 * Piscina entry point for signature verification: a thin shell over src/verify/verdict.ts.
 * Opens the node's LMDB environment read-only to look up signers in the last closed ledger.
 */
import {workerData} from "node:worker_threads";
import {LedgerStore} from "../src/store/ledger-store.js";
import {verifyBatch, type VerifyBatch} from "../src/verify/verdict.js";
import type {VerifyWorkerData} from "../src/verify/pool.js";

const data = workerData as VerifyWorkerData;
const networkId = Buffer.from(data.networkId);
const store = new LedgerStore({dir: data.dataDir, readOnly: true});

export default function verify(batch: VerifyBatch): {verdicts: ReturnType<typeof verifyBatch>; runMs: number} {
  const t0 = performance.now();
  const verdicts = verifyBatch(batch, networkId, store);
  return {verdicts, runMs: performance.now() - t0};
}
