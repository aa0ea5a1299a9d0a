/**
 * A ledger's operation records formatted on a thread of their own while the ledger applies.
 *
 * Once the close has ordered its transaction set, every operation's paging token (the ledger, the
 * tx's place in the apply order, the operation's index), its tx hash and the close time are
 * known; only whether each tx succeeds waits for the apply. The feed hands the ordered envelopes
 * to a worker, which formats each operation of the plain all-payment txs (`scanPaymentTx`)
 * as a successful one, as the feed's SSE events, for each origin that streams operations. The
 * close holds the main thread for its whole turn and leaves the other core mostly idle, so the
 * formatting costs the main thread only the copy of the envelopes. The feed then takes each record
 * from the worker's pack when its tx succeeded and its token matches, and formats the others
 * itself (failed txs, other operation types, muxed accounts): the same bytes either way, as
 * both sides call `operationJson`.
 */
import {Worker} from "node:worker_threads";
import type {Logger} from "pino";
import type {TxFrame} from "../../tx/interface.js";
import {scanPaymentTx} from "../../tx/payment-scan.js";
import {toidString} from "../../store/toid.js";
import {operationJson, type FormatOp} from "../format/operation.js";
import {eventBytesAtMost, withRoom, writeEvent} from "./connection.js";

/** What the worker is sent for one ledger: its envelopes in apply order, back to back. */
export interface CloseFormatTask {
  seq: number;
  /** Unix seconds agreed for the ledger. */
  closeTime: number;
  /** The origins whose operation records are made (each its own pack). */
  bases: string[];
  envelopes: Uint8Array;
  /** Envelope i is envelopes[ends[i]..ends[i + 1]]; length = txs + 1. */
  ends: Uint32Array;
  /** The txs' hashes, 32 bytes each, in apply order. */
  hashes: Uint8Array;
  /** Each tx's operation count (at most 100). */
  opCounts: Uint8Array;
}

/**
 * One origin's records of a ledger: every operation's slot in apply order, `offsets[i]..offsets[i
 * + 1]` its SSE event (as the feed packs it), empty for an operation the worker left to the feed.
 */
export interface CloseFormatPack {
  base: string;
  bytes: Uint8Array;
  offsets: Uint32Array;
}

export interface CloseFormatResult {
  seq: number;
  packs: CloseFormatPack[];
}

/** The task for a ledger whose txs apply in `frames`' order (the close's apply order). */
export function closeFormatTask(seq: number, closeTime: number, bases: string[], frames: readonly TxFrame[]): CloseFormatTask {
  let total = 0;
  for (const f of frames) total += f.envelopeXdr.length;
  const envelopes = new Uint8Array(total);
  const ends = new Uint32Array(frames.length + 1);
  const hashes = new Uint8Array(32 * frames.length);
  const opCounts = new Uint8Array(frames.length);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    ends[i] = at;
    envelopes.set(f.envelopeXdr, at);
    at += f.envelopeXdr.length;
    hashes.set(f.hash, 32 * i);
    opCounts[i] = f.operations.length;
  }
  ends[frames.length] = at;
  return {seq, closeTime, bases, envelopes, ends, hashes, opCounts};
}

/** An operation of a plain payment tx, as `operationJson` reads it: the tx taken as successful. */
class PlannedOp implements FormatOp {
  readonly id: string;
  readonly transactionSuccessful = true;

  constructor(
    readonly ledger: number,
    readonly closedAt: number,
    readonly txIndex: number,
    readonly opIndex: number,
    readonly txHash: string,
    readonly sourceAccount: string,
    readonly op: FormatOp["op"],
    readonly envelopeBytes: Buffer,
  ) {
    this.id = toidString(ledger, txIndex, opIndex);
  }
}

const INITIAL_SCRATCH = 64 * 1024;
/** A busy ledger's pack is a few MB (~950 bytes a payment record); the scratch grown to hold it is kept up to this size. */
const MAX_KEPT_SCRATCH = 16 * 1024 * 1024;
/**
 * Where a ledger's events are written before their exact-size copy, kept from ledger to ledger:
 * grown afresh by doubling for each ledger, it copied what it held at every step (~0.35 µs a
 * payment record).
 */
let packScratch: Buffer = Buffer.allocUnsafeSlow(INITIAL_SCRATCH);

/** The packs of a task (see `CloseFormatPack`); what the worker runs. */
export function formatCloseOps(task: CloseFormatTask): CloseFormatPack[] {
  const {seq, closeTime, ends, opCounts} = task;
  const env = Buffer.from(task.envelopes.buffer, task.envelopes.byteOffset, task.envelopes.byteLength);
  const hashes = Buffer.from(task.hashes.buffer, task.hashes.byteOffset, task.hashes.byteLength);
  const txs = opCounts.length;
  // Each operation in apply order: the planned record, or null where the feed formats it.
  const ops: (PlannedOp | null)[] = [];
  for (let i = 0; i < txs; i++) {
    const envelope = env.subarray(ends[i]!, ends[i + 1]!);
    const tx = scanPaymentTx(envelope);
    const count = opCounts[i]!;
    if (tx === undefined || tx.operations.length !== count) {
      for (let k = 0; k < count; k++) ops.push(null);
      continue;
    }
    const hash = hashes.toString("hex", 32 * i, 32 * i + 32);
    for (let k = 0; k < count; k++) {
      const op = tx.operations[k]!;
      ops.push(new PlannedOp(seq, closeTime, i + 1, k + 1, hash, op.source ?? tx.sourceAccount, op, envelope));
    }
  }
  const packs: CloseFormatPack[] = [];
  let scratch: Buffer = packScratch;
  for (const base of task.bases) {
    const offsets = new Uint32Array(ops.length + 1);
    let at = 0;
    for (let i = 0; i < ops.length; i++) {
      offsets[i] = at;
      const op = ops[i];
      if (op === null || op === undefined) continue;
      const json = operationJson(op, base);
      scratch = withRoom(scratch, at, eventBytesAtMost(op.id, json));
      at += writeEvent(scratch, at, op.id, json);
    }
    offsets[ops.length] = at;
    // A buffer of its own, of the exact size: it is transferred to the main thread.
    const bytes = new Uint8Array(at);
    bytes.set(scratch.subarray(0, at));
    packs.push({base, bytes, offsets});
  }
  // Kept for the next ledger unless one outsized ledger grew it.
  packScratch = scratch.length <= MAX_KEPT_SCRATCH ? scratch : Buffer.allocUnsafeSlow(INITIAL_SCRATCH);
  return packs;
}

/** Messages from the worker. */
export type CloseFormatMessage = {kind: "done"; result: CloseFormatResult} | {kind: "failed"; seq: number; message: string};

/** Longest wait for a ledger's packs before the feed formats the records itself. */
const DEFAULT_WAIT_MS = 250;

/**
 * The worker and the packs it returned, by ledger. Started on the first task; a worker that
 * fails or exits is not restarted (the feed formats every record itself from then on).
 */
export class CloseFormatter {
  private worker: Worker | undefined;
  private dead = false;
  /** Ledgers sent and not yet answered, with what waits for them. */
  private readonly pending = new Map<number, (() => void)[]>();
  private readonly results = new Map<number, CloseFormatPack[]>();

  constructor(private readonly modules: {log?: Pick<Logger, "error">} = {}) {}

  /** Sends a ledger's task; false when the worker is gone. */
  submit(task: CloseFormatTask): boolean {
    if (this.dead) return false;
    const worker = (this.worker ??= this.start());
    this.pending.set(task.seq, []);
    worker.postMessage(task, [task.envelopes.buffer as ArrayBuffer, task.ends.buffer as ArrayBuffer, task.hashes.buffer as ArrayBuffer, task.opCounts.buffer as ArrayBuffer]);
    return true;
  }

  /** Whether ledger `seq` was sent and its answer has not come yet. */
  isPending(seq: number): boolean {
    return this.pending.has(seq);
  }

  /** Resolves once ledger `seq` is answered (or the worker is gone), or after `ms`, whichever is first. */
  settled(seq: number, ms = DEFAULT_WAIT_MS): Promise<void> {
    const waiters = this.pending.get(seq);
    if (waiters === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The packs of ledger `seq` (taken: asked once), and drops any of earlier ledgers. */
  take(seq: number): CloseFormatPack[] | undefined {
    for (const s of this.results.keys()) if (s < seq) this.results.delete(s);
    const packs = this.results.get(seq);
    this.results.delete(seq);
    return packs;
  }

  close(): void {
    this.dead = true;
    this.wakeAll();
    this.results.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    const worker = new Worker(new URL("../../../workers/close-format-worker.js", import.meta.url));
    // The thread serves the feed only: it keeps no process alive.
    worker.unref();
    worker.on("message", (m: CloseFormatMessage) => this.received(m));
    worker.on("error", (err) => {
      this.modules.log?.error({err}, "stream record worker failed: the feed formats every record itself");
      this.stop();
    });
    worker.on("exit", () => this.stop());
    return worker;
  }

  private received(m: CloseFormatMessage): void {
    const seq = m.kind === "done" ? m.result.seq : m.seq;
    if (m.kind === "done") this.results.set(seq, m.result.packs);
    else this.modules.log?.error({ledger: seq, message: m.message}, "stream record worker could not format a ledger");
    const waiters = this.pending.get(seq);
    this.pending.delete(seq);
    for (const w of waiters ?? []) w();
  }

  private stop(): void {
    this.dead = true;
    this.worker = undefined;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const waiters of this.pending.values()) for (const w of waiters) w();
    this.pending.clear();
  }
}
