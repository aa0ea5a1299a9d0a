/**
 * The accounts bench splits the node's CPU by thread name: a thread that names itself must show
 * up under that name with the CPU it spent, and the main thread as "main". Linux only (/proc).
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import {Worker} from "node:worker_threads";
import {threadCpu, threadCpuDelta} from "../../../native-bench/threads.js";

const NAMES = new URL("../../../src/util/thread-names.js", import.meta.url).href;

/** A worker that names itself, burns 300 ms of its own CPU, reports, then waits to be terminated. */
function busyNamedWorker(name: string): Worker {
  const src = `
    const {parentPort} = require("node:worker_threads");
    import(${JSON.stringify(NAMES)}).then(({nameThisThread}) => {
      const named = nameThisThread(${JSON.stringify(name)});
      const {readFileSync} = require("node:fs");
      // Its own ticks (utime + stime), read the way the bench reads them.
      const ticks = () => {
        const stat = readFileSync("/proc/thread-self/stat", "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(f[11]) + Number(f[12]);
      };
      let x = 0;
      while (ticks() < 30) for (let i = 0; i < 100000; i++) x += Math.sqrt(x + i);
      parentPort.postMessage({named, x});
    });
    setInterval(() => {}, 1000);
  `;
  return new Worker(src, {eval: true});
}

describe("bench: node CPU by thread", {skip: !existsSync("/proc/self/task")}, () => {
  it("finds a named thread's CPU under its name and the main thread as main", async () => {
    const before = threadCpu(process.pid);
    assert.ok([...before.values()].some((t) => t.name === "main"));
    const worker = busyNamedWorker("probe-worker");
    try {
      const report = await new Promise<{named: boolean}>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      assert.equal(report.named, true);
      const groups = threadCpuDelta(before, threadCpu(process.pid));
      const probe = groups.find((g) => g.name === "probe-worker");
      assert.ok(probe, `groups: ${groups.map((g) => g.name).join(", ")}`);
      assert.equal(probe.threads, 1);
      // The worker did not exist at the first sample: all of its 30 ticks are in the delta.
      assert.ok(probe.seconds >= 0.3, `probe thread spent ${probe.seconds} s`);
    } finally {
      await worker.terminate();
    }
  });

  it("answers an empty sample for a process that does not exist", () => {
    assert.equal(threadCpu(2 ** 22 + 12345).size, 0);
  });
});
