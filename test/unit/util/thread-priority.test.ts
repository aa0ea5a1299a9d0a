/**
 * A thread's nice value is its own: set from a worker, it changes that thread only (Linux), and a
 * value outside the kernel's range is refused without a change.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import os from "node:os";
import {Worker} from "node:worker_threads";
import {currentThreadId, niceOtherThreads, niceThisThread, niceThreadsNamed} from "../../../src/util/thread-priority.js";

const linux = existsSync("/proc/thread-self");

/** Runs niceThisThread(nice) in a fresh worker; answers the outcome and the worker's priority read from outside while it still runs. */
async function niceInWorker(nice: number): Promise<{outcome: ReturnType<typeof niceThisThread>; seen: number | undefined}> {
  const url = new URL("../../../src/util/thread-priority.js", import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(url)}).then((m) => {
       const {parentPort} = require("node:worker_threads");
       parentPort.postMessage(m.niceThisThread(${nice}));
       parentPort.once("message", () => process.exit(0));
     });`,
    {eval: true},
  );
  try {
    const outcome = await new Promise<ReturnType<typeof niceThisThread>>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    const seen = outcome.ok ? os.getPriority(outcome.tid) : undefined;
    return {outcome, seen};
  } finally {
    worker.postMessage("exit");
    await new Promise((resolve) => worker.once("exit", resolve));
  }
}

describe("thread priority", {skip: !linux && "thread ids are Linux only"}, () => {
  it("names the calling thread's own id: the main thread's is the process id", () => {
    assert.equal(currentThreadId(), process.pid);
  });

  it("raises one worker's nice value and leaves the main thread's", async () => {
    const before = os.getPriority(process.pid);
    const target = Math.min(19, before + 7);
    const {outcome, seen} = await niceInWorker(target);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.notEqual(outcome.tid, process.pid);
    assert.equal(outcome.nice, target);
    assert.equal(seen, target);
    assert.equal(os.getPriority(process.pid), before);
  });

  it("refuses a value outside -20..19 or not whole, changing nothing", () => {
    const before = os.getPriority(process.pid);
    for (const bad of [20, -21, 1.5, Number.NaN]) {
      const r = niceThisThread(bad);
      assert.equal(r.ok, false, String(bad));
      assert.match((r as {reason: string}).reason, /-20\.\.19/);
    }
    assert.equal(os.getPriority(process.pid), before);
  });

  it("nices every other thread of the process and keeps the ones asked for, then restores them", async () => {
    // A worker that reports its thread id and stays alive until told to end.
    const worker = new Worker(
      `const {parentPort} = require("node:worker_threads");
       const {readlinkSync} = require("node:fs");
       parentPort.postMessage(Number(/task\\/(\\d+)$/.exec(readlinkSync("/proc/thread-self"))[1]));
       parentPort.once("message", () => process.exit(0));`,
      {eval: true},
    );
    try {
      const tid = await new Promise<number>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      const mainBefore = os.getPriority(process.pid);
      const workerBefore = os.getPriority(tid);
      const target = Math.min(19, Math.max(mainBefore, workerBefore) + 6);
      const niced = niceOtherThreads(new Set([process.pid]), target);
      assert.ok(niced.changed.some((c) => c.tid === tid && c.was === workerBefore));
      assert.ok(!niced.changed.some((c) => c.tid === process.pid));
      assert.equal(os.getPriority(tid), target);
      assert.equal(os.getPriority(process.pid), mainBefore);
      niced.restore();
      if (os.getPriority(tid) !== workerBefore) {
        // Lowering a nice value needs CAP_SYS_NICE or an RLIMIT_NICE allowing it: without either
        // the kernel refuses the restore, and must refuse the same call made directly.
        assert.throws(() => os.setPriority(tid, workerBefore), /EACCES|EPERM|permission/i);
      }
    } finally {
      worker.postMessage("exit");
      await new Promise((resolve) => worker.once("exit", resolve));
    }
  });

  it("refuses a nice value outside -20..19 for the other threads, changing none", () => {
    const before = os.getPriority(process.pid);
    for (const bad of [25, -21, 2.5]) {
      const r = niceOtherThreads(new Set(), bad);
      assert.equal(r.changed.length, 0, String(bad));
      assert.match(r.refused ?? "", /-20\.\.19/);
    }
    assert.equal(os.getPriority(process.pid), before);
  });

  it("nices the threads of one name only", async () => {
    const worker = new Worker(
      `const {parentPort} = require("node:worker_threads");
       const fs = require("node:fs");
       fs.writeFileSync("/proc/thread-self/comm", "prio-test-named");
       parentPort.postMessage(Number(/task\\/(\\d+)$/.exec(fs.readlinkSync("/proc/thread-self"))[1]));
       parentPort.once("message", () => process.exit(0));`,
      {eval: true},
    );
    try {
      const tid = await new Promise<number>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      const mainBefore = os.getPriority(process.pid);
      const target = Math.min(19, Math.max(mainBefore, os.getPriority(tid)) + 4);
      // The kernel keeps 15 bytes of a name.
      const niced = niceThreadsNamed("prio-test-named".slice(0, 15), target);
      assert.deepEqual(niced.changed.map((c) => c.tid), [tid]);
      assert.equal(os.getPriority(tid), target);
      assert.equal(os.getPriority(process.pid), mainBefore);
      assert.equal(niceThreadsNamed("no-such-thread", target).changed.length, 0);
    } finally {
      worker.postMessage("exit");
      await new Promise((resolve) => worker.once("exit", resolve));
    }
  });
});
