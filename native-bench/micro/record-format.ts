/**
 * What the feed's record thread spends per payment record: `formatCloseOps` (the thread's whole
 * task for a ledger: each plain payment tx's operation read from its envelope, its record's JSON
 * and its SSE event written into the ledger's pack) over a ledger of signed native payments, as
 * the streams bench sends, run in this thread. The account ids come from the build's own envelope
 * reader, with its cache warm (as in a node whose accounts recur).
 *
 * A/B: `--dist OTHER/dist` formats the same ledger with another build in alternate runs and checks
 * that both builds' packs are the same bytes:
 *
 *   node dist/native-bench/micro/record-format.js [--txs 3000] [--runs 40] [--dist OTHER/dist]
 */
import {parseArgs} from "node:util";
import {pathToFileURL} from "node:url";
import path from "node:path";
import {BENCH_PASSPHRASE} from "../fixtures.js";
import {isEntryPoint, median} from "../measure.js";
import {closedLedgers} from "./stream-topic.js";
import type {TxFrame} from "../../src/tx/interface.js";
import type {CloseFormatPack, CloseFormatTask} from "../../src/api/stream/close-format.js";

const BASE = "http://127.0.0.1:8000";

interface Build {
  dist: string;
  task: () => CloseFormatTask;
  format: (task: CloseFormatTask) => CloseFormatPack[];
}

async function loadBuild(dist: string, txs: number): Promise<Build> {
  const load = (rel: string): Promise<unknown> => import(pathToFileURL(path.join(dist, rel)).href);
  const {decodeTxFrame} = (await load("src/tx/frame.js")) as {decodeTxFrame: (xdr: Buffer, networkId: Buffer) => TxFrame};
  const {networkIdOf} = (await load("src/ledger/options.js")) as {networkIdOf: (passphrase: string) => Buffer};
  const cf = (await load("src/api/stream/close-format.js")) as {
    closeFormatTask: (seq: number, closeTime: number, bases: string[], frames: readonly TxFrame[]) => CloseFormatTask;
    formatCloseOps: (task: CloseFormatTask) => CloseFormatPack[];
  };
  const networkId = networkIdOf(BENCH_PASSPHRASE);
  const [l] = closedLedgers((x) => decodeTxFrame(x, networkId), txs, 1);
  const {seq, closeTime} = l!.header;
  const frames = l!.result.frames;
  // The task is sent to the thread (its buffers transferred): a fresh one per run.
  return {dist, task: () => cf.closeFormatTask(seq, closeTime, [BASE], frames), format: cf.formatCloseOps};
}

export interface RecordFormatResult {
  dist: string;
  /** CPU per payment record of each run, µs. */
  perRecordUs: number[];
}

/** `runs` runs of each build, alternated; throws when two builds' packs differ. */
export async function runRecordFormatBench(opts: {txs: number; runs: number; dists: string[]}): Promise<RecordFormatResult[]> {
  const builds: Build[] = [];
  for (const d of opts.dists) builds.push(await loadBuild(d, opts.txs));
  const out: RecordFormatResult[] = builds.map((b) => ({dist: b.dist, perRecordUs: []}));
  let reference: Buffer | undefined;
  for (let r = 0; r < opts.runs; r++) {
    for (const [i, b] of builds.entries()) {
      const task = b.task();
      const before = process.cpuUsage();
      const packs = b.format(task);
      const used = process.cpuUsage(before);
      out[i]!.perRecordUs.push((used.user + used.system) / opts.txs);
      if (r === 0) {
        const bytes = Buffer.from(packs[0]!.bytes);
        if (bytes.length === 0) throw new Error(`${b.dist}: no records formatted`);
        if (reference === undefined) reference = bytes;
        else if (!reference.equals(bytes)) throw new Error(`${b.dist} formats other bytes than ${builds[0]!.dist}`);
      }
    }
  }
  return out;
}

if (isEntryPoint(import.meta.url)) {
  const {values} = parseArgs({options: {txs: {type: "string"}, runs: {type: "string"}, dist: {type: "string"}}});
  const txs = Number(values.txs ?? 3000);
  const runs = Number(values.runs ?? 40);
  if (!Number.isSafeInteger(txs) || txs < 1 || !Number.isSafeInteger(runs) || runs < 1) throw new Error("--txs and --runs take whole numbers ≥ 1");
  // This build's dist (this file is dist/native-bench/micro/record-format.js), then the other's.
  const own = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
  const dists = values.dist === undefined ? [own] : [own, path.resolve(values.dist)];
  const results = await runRecordFormatBench({txs, runs, dists});
  console.log(`record thread's formatting (formatCloseOps), a ledger of ${txs} payments, ${runs} runs${dists.length > 1 ? " per build, alternated; packs byte-identical" : ""}`);
  for (const r of results) {
    const sorted = [...r.perRecordUs].sort((a, b) => a - b);
    console.log(`${r.dist}: median ${median(r.perRecordUs).toFixed(2)} µs per payment record (quartiles ${sorted[sorted.length >> 2]!.toFixed(2)} to ${sorted[(3 * sorted.length) >> 2]!.toFixed(2)})`);
  }
  if (results.length === 2) console.log(`ratio of medians: ${(median(results[0]!.perRecordUs) / median(results[1]!.perRecordUs)).toFixed(2)}`);
}
