/**
 * The cost of sending signature checks to a Piscina worker: batches of 1/16/64/256 signatures
 * on 1 and 2 threads, against verifying the same signatures in this thread. Tells how large a
 * batch must be before the ~50-75 µs round trip stops mattering.
 */
import {performance} from "node:perf_hooks";
import {Piscina} from "piscina";
import sodium from "sodium-native";
import {BenchError, BenchErrorCode} from "../errors.js";
import {signedSamples, type SignedSamples} from "../fixtures.js";
import {isEntryPoint, measureAsync, measureSync, median, type Figure, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";
import {ITEM_BYTES, type VerifyBatchTask} from "../verify-worker.js";

const BATCH_SIZES = [1, 16, 64, 256] as const;
const THREAD_COUNTS = [1, 2] as const;
const SAMPLE_COUNT = 256;
/** Signatures per timed run: ~0.15 s of libsodium on two threads at ~15k/s each. */
const SIGNATURES_PER_RUN = 4_096;
/** Tasks in flight per thread: enough that a worker never idles waiting for the next post. */
const IN_FLIGHT_PER_THREAD = 8;
/** Sequential single-signature round trips timed to estimate the bare round-trip latency. */
const LATENCY_SAMPLES = 500;

/** Worker file compiled next to this folder: dist/native-bench/verify-worker.js. */
const WORKER_URL = new URL("../verify-worker.js", import.meta.url);

/** A fresh ArrayBuffer per task: a transferred buffer is detached from this thread. */
function packBatch(samples: SignedSamples, start: number, count: number): VerifyBatchTask {
  const buffer = new ArrayBuffer(count * ITEM_BYTES);
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < count; i++) {
    const s = (start + i) % samples.publicKeys.length;
    bytes.set(samples.publicKeys[s], i * ITEM_BYTES);
    bytes.set(samples.signatures[s], i * ITEM_BYTES + 32);
    bytes.set(samples.messages[s], i * ITEM_BYTES + 96);
  }
  return {buffer, count};
}

async function runTask(pool: Piscina<VerifyBatchTask, number>, task: VerifyBatchTask): Promise<number> {
  return pool.run(task, {transferList: [task.buffer]});
}

/** Verifies `total` signatures in batches of `batch`, keeping a bounded number of tasks in flight. */
async function verifyThroughPool(
  pool: Piscina<VerifyBatchTask, number>,
  samples: SignedSamples,
  batch: number,
  total: number,
  inFlight: number,
): Promise<number> {
  const tasks = Math.ceil(total / batch);
  let next = 0;
  let valid = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks) {
      const t = next++;
      // Await first: `valid += await …` would read `valid` before the await and lose updates.
      const ok = await runTask(pool, packBatch(samples, t * batch, batch));
      valid += ok;
    }
  };
  await Promise.all(Array.from({length: inFlight}, lane));
  if (valid !== tasks * batch) {
    throw new BenchError(BenchErrorCode.SanityCheckFailed, `worker verified ${valid} of ${tasks * batch} signatures`);
  }
  return valid;
}

export async function runPiscinaBench(opts: MicroOptions = defaultMicroOptions): Promise<Section> {
  const samples = signedSamples(SAMPLE_COUNT);
  const inThread = "in-thread sodium-native (no pool)";
  let i = 0;
  const figures: Figure[] = [
    measureSync(inThread, () => {
      if (!sodium.crypto_sign_verify_detached(samples.signatures[i], samples.messages[i], samples.publicKeys[i])) {
        throw new BenchError(BenchErrorCode.SanityCheckFailed, `sample ${i} did not verify in-thread`);
      }
      i = (i + 1) % SAMPLE_COUNT;
    }, opts),
  ];
  const notes: string[] = [];

  for (const threads of THREAD_COUNTS) {
    const pool = new Piscina<VerifyBatchTask, number>({
      filename: WORKER_URL.href,
      minThreads: threads,
      maxThreads: threads,
      // Tasks are bounded by the lanes below; an idle worker must not be torn down mid-run.
      idleTimeout: 60_000,
    });
    try {
      // One round trip at a time: the bare cost of posting a task and getting its answer.
      if (threads === 1) {
        const rtts: number[] = [];
        for (let k = 0; k < LATENCY_SAMPLES; k++) {
          const start = performance.now();
          await runTask(pool, packBatch(samples, k, 1));
          rtts.push((performance.now() - start) * 1000);
        }
        const verifyUs = 1e6 / figures[0].opsPerSec;
        notes.push(
          `Single-signature round trip, one at a time: median ${median(rtts.slice(50)).toFixed(0)} µs ` +
            `(in-thread verify alone: ${verifyUs.toFixed(0)} µs).`,
        );
      }
      for (const batch of BATCH_SIZES) {
        const total = batch === 1 ? SIGNATURES_PER_RUN / 4 : SIGNATURES_PER_RUN;
        const figure = await measureAsync(
          `pool ${threads} thread${threads > 1 ? "s" : ""}, batch ${batch}`,
          () => verifyThroughPool(pool, samples, batch, total, threads * IN_FLIGHT_PER_THREAD),
          opts.runs,
        );
        figure.note = `${formatPerThread(figure.opsPerSec / threads)}/s per thread`;
        figures.push(figure);
      }
    } finally {
      await pool.destroy();
    }
  }

  notes.push(
    `Each task's batch goes in a fresh ArrayBuffer moved with transferList (${ITEM_BYTES} bytes per signature); ` +
      `${IN_FLIGHT_PER_THREAD} tasks in flight per thread; packing time is included, as the node would pay it.`,
    "On a 2-core box the main thread (packing, posting) competes with the second worker.",
  );
  return {
    title: "Piscina round trip: batched sodium-native verify in workers",
    baseline: inThread,
    figures,
    notes,
  };
}

function formatPerThread(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(await runPiscinaBench()));
}
