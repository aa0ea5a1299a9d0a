/**
 * The stream feed's record thread (src/api/stream/close-format.ts): formats the operation
 * records of each ledger it is sent while the main thread applies that ledger, and sends the
 * packs back, their buffers transferred.
 *
 * It runs at the nice value it is started with (the feed's `recordThreadNice`): on a box whose
 * cores are all busy, the threads that take, verify, apply and commit transactions get the CPU
 * first, and the records wait (the feed formats them itself if they are late). On Linux a nice
 * value belongs to a thread, so `setPriority(0, …)` here leaves the node's other threads as
 * they are. Raising one's own nice value needs no privilege; where it fails, the thread runs as
 * started.
 */
import {setPriority} from "node:os";
import {parentPort, workerData} from "node:worker_threads";
import {formatCloseOps, type CloseFormatMessage, type CloseFormatTask, type CloseFormatThreadData} from "../src/api/stream/close-format.js";
import {nameThisThread} from "../src/util/thread-names.js";

nameThisThread("stream-records");
const nice = (workerData as CloseFormatThreadData | undefined)?.nice ?? 0;
if (nice > 0) {
  try {
    setPriority(0, nice);
  } catch {
    // Left at the process's priority.
  }
}

parentPort?.on("message", (task: CloseFormatTask) => {
  let m: CloseFormatMessage;
  try {
    m = {kind: "done", result: {seq: task.seq, packs: formatCloseOps(task)}};
  } catch (err) {
    m = {kind: "failed", seq: task.seq, message: (err as Error).message};
  }
  const transfer = m.kind === "done" ? m.result.packs.flatMap((p) => [p.bytes.buffer as ArrayBuffer, p.offsets.buffer as ArrayBuffer]) : [];
  parentPort?.postMessage(m, transfer);
});
