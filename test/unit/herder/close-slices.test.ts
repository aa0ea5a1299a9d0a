/**
 * The ledger close runs in slices with the event loop turning in between: while it runs, every
 * reader (store, HTTP API, admission) sees the last committed ledger, a second close is refused,
 * and the header is the one the close in a single turn produces. A failure in a later slice
 * changes nothing and leaves the node able to close the same ledger again.
 */
import {test} from "node:test";
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {startNode, type RunningNode} from "../../helpers/node.js";
import {defaultNodeOptions} from "../../../src/node/options.js";
import {rootKeypair} from "../../../src/ledger/genesis.js";
import {HerderError} from "../../../src/herder/errors.js";
import type {LedgerToApply} from "../../../src/herder/ledger-manager.js";
import {closeLedger, closeLedgerSteps} from "../../../src/ledger/close.js";
import type {TxFrame} from "../../../src/tx/interface.js";

const SOURCES = 50;
const PAYMENTS_EACH = 4;

/** A node whose ledger timer never fires: ledgers close only when told. `closeSliceMs` ~0: a turn after every step. */
function idleNode(closeSliceMs: number): Promise<RunningNode> {
  return startNode({closeIntervalMs: 3_600_000, verifyThreads: 0, pathThreads: 0, closeSliceMs});
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

function keys(n: number): Keypair[] {
  return Array.from({length: n}, (_, i) => Keypair.fromRawEd25519Seed(Buffer.alloc(32, i + 1)));
}

function sign(n: RunningNode, kp: Keypair, seq: bigint, ops: ReturnType<typeof Operation.payment>[]): Buffer {
  const b = new TransactionBuilder(new Account(kp.publicKey(), (seq - 1n).toString()), {fee: "100", networkPassphrase: n.node.config.passphrase});
  for (const op of ops) b.addOperation(op);
  const tx = b.setTimeout(0).build();
  tx.sign(kp);
  return tx.toEnvelope().toXDR();
}

/** Admits `envelopes` and returns the queued frames as the next ledger to apply; `waits` gets the first one's ledger outcome. */
async function nextLedger(n: RunningNode, envelopes: Buffer[], waits: Array<Promise<unknown>> = []): Promise<LedgerToApply> {
  const h = n.node.herder;
  for (const e of envelopes) {
    const adm = await h.admit(e, {wait: waits.length === 0});
    assert.equal(adm.outcome.status, "PENDING");
    if (adm.included !== undefined) waits.push(adm.included);
  }
  const lcl = h.lastClosed();
  const frames: TxFrame[] = h.queue.select(10_000, 100).txs.map((q) => q.frame);
  assert.equal(frames.length, envelopes.length);
  return {seq: lcl.seq + 1, txs: {frames}, closeTime: lcl.closeTime + 1, baseFeeCharged: 100n};
}

/** Ledger 1: root funds the sources. Ledger 2 (returned, not applied): each source pays root and its neighbour. */
async function fundedLedgers(n: RunningNode): Promise<{second: LedgerToApply; sources: Keypair[]; waits: Array<Promise<unknown>>}> {
  const root = rootKeypair(n.node.config.passphrase);
  const sources = keys(SOURCES);
  const rootSeq = n.node.store.account(root.publicKey())!.seqNum;
  const create = sources.map((k) => Operation.createAccount({destination: k.publicKey(), startingBalance: "100"}));
  const first = await nextLedger(n, [sign(n, root, rootSeq + 1n, create as never)]);
  await n.node.herder.ledgers.applyLedger(first);
  const envelopes: Buffer[] = [];
  for (let i = 0; i < sources.length; i++) {
    const seq0 = n.node.store.account(sources[i]!.publicKey())!.seqNum;
    for (let j = 0; j < PAYMENTS_EACH; j++) {
      const to = j % 2 === 0 ? root.publicKey() : sources[(i + 1) % sources.length]!.publicKey();
      envelopes.push(sign(n, sources[i]!, seq0 + 1n + BigInt(j), [Operation.payment({destination: to, asset: Asset.native(), amount: String(j + 1)})]));
    }
  }
  const waits: Array<Promise<unknown>> = [];
  return {second: await nextLedger(n, envelopes, waits), sources, waits};
}

async function balanceOverHttp(n: RunningNode, id: string): Promise<{balance: string; sequence: string}> {
  const res = await fetch(`${n.url}/accounts/${id}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as {sequence: string; balances: Array<{asset_type: string; balance: string}>};
  return {balance: body.balances.find((b) => b.asset_type === "native")!.balance, sequence: body.sequence};
}

test("closeLedgerSteps yields between fees, txs and header parts, and driven step by step gives closeLedger's result", async () => {
  const n = await idleNode(0);
  try {
    const {second} = await fundedLedgers(n);
    const frames = (second.txs as {frames: TxFrame[]}).frames;
    const prev = n.node.store.latestHeader();
    const params = {closeTime: second.closeTime, config: n.node.config, baseFeeCharged: 100n, checkInvariants: true};
    const steps = closeLedgerSteps(n.node.store, prev, frames, params);
    let yields = 0;
    let r = steps.next();
    while (r.done !== true) {
      yields++;
      await nextTurn();
      r = steps.next();
    }
    // A pause after each fee, each tx, the stamped changes and before the invariants.
    assert.equal(yields, 2 * frames.length + 2);
    const once = closeLedger(n.node.store, prev, frames, params);
    assert.equal(r.value.header.hash, once.header.hash);
    assert.deepEqual(r.value.applied.map((a) => a.resultXdr.toString("hex")), once.applied.map((a) => a.resultXdr.toString("hex")));
  } finally {
    await n.stop();
  }
});

test("between slices of a close, HTTP, store reads and admission see the last committed ledger, a second close is refused, and the header equals the one-turn close's", async () => {
  const a = await idleNode(0.001);
  const b = await idleNode(0);
  try {
    const {second, sources, waits} = await fundedLedgers(a);
    const h = a.node.herder;
    const store = a.node.store;
    const root = rootKeypair(a.node.config.passphrase).publicKey();
    // A submitter waiting on a tx of the ledger is answered only once the ledger is durable.
    let answered = false;
    void waits[0]!.then(() => (answered = true));
    const lcl = store.latestHeader();
    const watched = [root, ...sources.map((k) => k.publicKey())];
    const before = new Map(watched.map((id) => [id, store.account(id)!]));
    const httpBefore = await balanceOverHttp(a, sources[0]!.publicKey());

    const closing = h.ledgers.applyLedger(second);
    // Closing from the first slice: a second close and catch-up wait, the timer does not trigger.
    assert.equal(h.ledgers.closing, true);
    await assert.rejects(h.ledgers.applyLedger(second), (e: unknown) => e instanceof HerderError && e.code === "herder_ledger_busy");

    // A tx for the next ledger, admitted while the close runs: checked against the committed state.
    const rootKp = rootKeypair(a.node.config.passphrase);
    const later = sign(a, rootKp, before.get(root)!.seqNum + 1n, [Operation.payment({destination: sources[1]!.publicKey(), asset: Asset.native(), amount: "7"})]);
    const admitted = h.admit(later);
    let turns = 0;
    let httpDuringClose = 0;
    let httpRunning = false;
    while (h.ledgers.closing) {
      turns++;
      assert.equal(answered, false);
      assert.equal(store.latestHeader().seq, lcl.seq);
      for (const id of watched) {
        const now = store.account(id)!;
        assert.equal(now.balance, before.get(id)!.balance);
        assert.equal(now.seqNum, before.get(id)!.seqNum);
      }
      if (!httpRunning) {
        httpRunning = true;
        void balanceOverHttp(a, sources[0]!.publicKey()).then((got) => {
          httpRunning = false;
          // Answered while the close still runs: it can only show the committed ledger.
          if (h.ledgers.closing) {
            httpDuringClose++;
            assert.deepEqual(got, httpBefore);
          }
        });
      }
      await nextTurn();
    }
    const closed = await closing;
    assert.equal(((await waits[0]!) as {status: string}).status, "SUCCESS");
    assert.ok(turns > 2 * SOURCES, `the close ran over ${turns} turns`);
    assert.ok(httpDuringClose > 0, "HTTP requests were answered between slices");
    assert.equal((await admitted).outcome.status, "PENDING");
    assert.ok(h.queue.select(10_000, 100).txs.some((q) => q.frame.envelopeXdr.equals(later)), "the tx admitted during the close waits for the next ledger");
    assert.equal(store.latestHeader().hash, closed.header.hash);
    assert.equal(closed.result.frames.length, SOURCES * PAYMENTS_EACH);
    assert.notEqual(store.account(root)!.balance, before.get(root)!.balance);

    // The same two ledgers closed in one turn each on another node: the same headers.
    for (const seq of [lcl.seq, closed.header.seq]) {
      const set = store.txSetAt(seq)!;
      const c = await b.node.herder.ledgers.applyLedger({seq, txs: {envelopes: set.envelopes}, closeTime: set.closeTime, baseFeeCharged: set.baseFeeCharged, expectedHash: store.header(seq)!.hash});
      assert.equal(c.header.hash, store.header(seq)!.hash);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a close that fails in a later slice changes nothing, raises no fatal event, and the same ledger closes afterwards", async () => {
  const a = await idleNode(0.001);
  try {
    const {second, sources} = await fundedLedgers(a);
    const h = a.node.herder;
    const store = a.node.store;
    const lcl = store.latestHeader();
    const watched = sources.map((k) => k.publicKey());
    const before = new Map(watched.map((id) => [id, store.account(id)!.balance]));
    let fatal: Error | null = null;
    h.onFatal((err) => (fatal = err));

    // The store's reads fail once the close has run a few slices (a disk read error mid-close).
    const getEntry = store.getEntry.bind(store);
    let armed = false;
    store.getEntry = (key) => {
      if (armed) throw new Error("read failed");
      return getEntry(key);
    };
    const closing = h.ledgers.applyLedger(second);
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(h.ledgers.closing, true);
    armed = true;
    await assert.rejects(closing, /read failed/);
    armed = false;
    assert.equal(h.ledgers.closing, false);
    assert.equal(h.ledgers.failed, null);
    assert.equal(fatal, null);
    assert.equal(store.latestHeader().hash, lcl.hash);
    for (const id of watched) assert.equal(store.account(id)!.balance, before.get(id));

    const closed = await h.ledgers.applyLedger(second);
    assert.equal(closed.header.seq, lcl.seq + 1);
    assert.equal(closed.result.applied.filter((x) => x.successful).length, SOURCES * PAYMENTS_EACH);
    assert.equal(store.latestHeader().hash, closed.header.hash);
  } finally {
    await a.stop();
  }
});

test("stop() during a sliced close waits for it: the ledger is committed, then nothing more applies", async () => {
  const a = await idleNode(0.001);
  try {
    const {second} = await fundedLedgers(a);
    const h = a.node.herder;
    const lcl = a.node.store.latestHeader();
    const closing = h.ledgers.applyLedger(second);
    await nextTurn();
    assert.equal(h.ledgers.closing, true);
    await h.ledgers.stop();
    assert.equal(h.ledgers.closing, false);
    const closed = await closing;
    assert.equal(a.node.store.latestHeader().seq, lcl.seq + 1);
    assert.equal(a.node.store.latestHeader().hash, closed.header.hash);
    await assert.rejects(h.ledgers.applyLedger({...second, seq: lcl.seq + 2}), (e: unknown) => e instanceof HerderError && e.code === "herder_stopped");
  } finally {
    await a.stop();
  }
});

test("while a ledger closes, admission queues txs only up to closingQueueLedgers ledgers' ops (TRY_AGAIN_LATER beyond, nothing kept); between closes up to the whole queue", async () => {
  // 100 ops per ledger: the queue holds 400, 100 while a ledger closes.
  const a = await startNode({
    closeIntervalMs: 3_600_000,
    verifyThreads: 0,
    pathThreads: 0,
    closeSliceMs: 0.001,
    closingQueueLedgers: 1,
    genesis: {...defaultNodeOptions.genesis, maxTxSetSize: 100},
  });
  try {
    const h = a.node.herder;
    const store = a.node.store;
    const root = rootKeypair(a.node.config.passphrase);
    const sources = keys(25);
    const create = sources.map((k) => Operation.createAccount({destination: k.publicKey(), startingBalance: "1000"}));
    await h.ledgers.applyLedger(await nextLedger(a, [sign(a, root, store.account(root.publicKey())!.seqNum + 1n, create as never)]));
    const seqOf = (k: Keypair): bigint => store.account(k.publicKey())!.seqNum;
    const pay = (k: Keypair, n: number): Buffer =>
      sign(a, k, seqOf(k) + 1n, Array.from({length: n}, () => Operation.payment({destination: root.publicKey(), asset: Asset.native(), amount: "1"})));
    // The ledger to close: 20 one-op payments, which stay queued until it is committed.
    const second = await nextLedger(a, sources.slice(0, 20).map((k) => pay(k, 1)));
    const rejected = async (): Promise<number> => (await a.node.metrics.queueRejected.get()).values.find((v) => v.labels.reason === "queue_full_closing")?.value ?? 0;

    const closing = h.ledgers.applyLedger(second);
    // Admission decides within microtasks (in-thread verify); the close needs many turns.
    const fitsing = h.admit(pay(sources[20]!, 50));
    const overflow = pay(sources[21]!, 50);
    const refused = await h.admit(overflow);
    assert.equal(h.ledgers.closing, true, "both were decided while the close ran");
    assert.equal(refused.outcome.status, "TRY_AGAIN_LATER");
    assert.equal(h.queue.ops, 70);
    assert.equal(await rejected(), 1);
    const fits = await fitsing;
    assert.equal(fits.outcome.status, "PENDING");
    const pending = store.pendingEnvelopes().map((p) => p.hash);
    assert.ok(pending.includes(fits.outcome.hash));
    assert.ok(!pending.includes(refused.outcome.hash), "the refused tx has no pending record");
    await closing;

    // Between closes the whole queue (4 ledgers) is open: the same envelope and more get in.
    assert.equal((await h.admit(overflow)).outcome.status, "PENDING");
    assert.equal((await h.admit(pay(sources[22]!, 60))).outcome.status, "PENDING");
    assert.equal(h.queue.ops, 160);
    assert.equal(await rejected(), 1);
  } finally {
    await a.stop();
  }
});

test("closingQueueLedgers below 1 is refused when the node is built", async () => {
  await assert.rejects(
    startNode({closeIntervalMs: 3_600_000, verifyThreads: 0, pathThreads: 0, closingQueueLedgers: 0}),
    (e: unknown) => e instanceof HerderError && e.code === "herder_bad_config",
  );
});

test("diamante start refuses --closing-queue-ledgers outside 1..4 with a usage error, before touching the data folder", () => {
  const dir = path.join(os.tmpdir(), `diamante-cql-${process.pid}`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL("../../../src/cli/main.js", import.meta.url)), "start", "--data", dir, "--closing-queue-ledgers", "5"], {encoding: "utf8"});
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--closing-queue-ledgers must be between 1 and 4, got 5/);
  assert.equal(existsSync(dir), false);
});
