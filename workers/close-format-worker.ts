/**
 * The stream feed's record thread (src/api/stream/close-format.ts): formats the operation
 * records of each ledger it is sent while the main thread applies that ledger, and sends the
 * packs back, their buffers transferred.
 */
import {parentPort} from "node:worker_threads";
import {formatCloseOps, type CloseFormatMessage, type CloseFormatTask} from "../src/api/stream/close-format.js";
import {nameThisThread} from "../src/util/thread-names.js";

nameThisThread("stream-records");

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
