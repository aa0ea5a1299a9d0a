/**
 * The feed's record worker (src/api/stream/close-format.ts): a ledger's operation records
 * formatted on a thread of their own while the ledger applies. `scanPaymentTx` reads plain
 * all-payment envelopes as `decodeTxFrame` does and nothing else; a feed with the worker streams
 * byte for byte the records of a feed without it, for ledgers mixing plain payments with failed
 * txs, fee-bumps, muxed accounts, other operation kinds, memos and time bounds; it takes the
 * worker's records only for a ledger applied in the order the worker was sent.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Memo, MuxedAccount, Operation, TransactionBuilder, type Transaction} from "@stellar/stellar-base";
import {LedgerFeed} from "../../../src/api/stream/feed.js";
import type {ClosedLedgerInput, LedgerEvent} from "../../../src/api/stream/interface.js";
import type {LedgerReader} from "../../../src/store/types.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {scanPaymentTx} from "../../../src/tx/payment-scan.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import type {AppliedTx} from "../../../src/tx/types.js";
import {closeFormatTask, formatCloseOps} from "../../../src/api/stream/close-format.js";
import {toidString} from "../../../src/store/toid.js";

const PASSPHRASE = "Diamante record worker test";
const networkId = networkIdOf(PASSPHRASE);
/** Operation records read no store: the feed's reader is never called for them. */
const reader = {} as LedgerReader;

const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 1));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2));
const carol = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 3));
const USD = new Asset("USD", carol.publicKey());
const LONGCODE = new Asset("LONGCODE12AB", carol.publicKey());
let sequence = 1000;

function tx(signer: Keypair, ops: ReturnType<typeof Operation.payment>[], opts: {memo?: Memo; timeBounds?: boolean; minSeq?: boolean} = {}): Transaction {
  const b = new TransactionBuilder(new Account(signer.publicKey(), String(sequence++)), {
    fee: "100",
    networkPassphrase: PASSPHRASE,
    ...(opts.timeBounds === true ? {timebounds: {minTime: 5, maxTime: 1_900_000_000}} : {}),
  });
  for (const op of ops) b.addOperation(op);
  if (opts.memo !== undefined) b.addMemo(opts.memo);
  if (opts.minSeq === true) b.setMinAccountSequence("1");
  if (opts.timeBounds !== true) b.setTimeout(0);
  const t = b.build();
  t.sign(signer);
  return t;
}

function frameOf(t: {toEnvelope(): {toXDR(): Buffer}}): TxFrame {
  return decodeTxFrame(t.toEnvelope().toXDR(), networkId);
}

const pay = (destination: string, asset: Asset = Asset.native(), amount = "1.5", source?: string) =>
  Operation.payment({destination, asset, amount, ...(source !== undefined ? {source} : {})});
const muxedBob = new MuxedAccount(new Account(bob.publicKey(), "0"), "42").accountId();

/** Plain all-payment txs: the worker's own. */
function plainTxs(): Transaction[] {
  return [
    tx(alice, [pay(bob.publicKey())]),
    tx(alice, [pay(bob.publicKey(), USD, "0.0000001", carol.publicKey())], {memo: Memo.text("héllo wörld ✓")}),
    tx(bob, [pay(alice.publicKey(), LONGCODE, "922337203685.4775807"), pay(carol.publicKey()), pay(alice.publicKey(), USD)], {memo: Memo.id("18446744073709551615")}),
    tx(carol, [pay(bob.publicKey())], {memo: Memo.hash(Buffer.alloc(32, 7).toString("hex")), timeBounds: true}),
    tx(carol, [pay(alice.publicKey())], {memo: Memo.return(Buffer.alloc(32, 9).toString("hex"))}),
  ];
}

/** Txs the worker leaves to the feed. */
function otherTxs(): {name: string; frame: TxFrame}[] {
  const inner = tx(bob, [pay(alice.publicKey())]);
  const fb = TransactionBuilder.buildFeeBumpTransaction(carol, "200", inner, PASSPHRASE);
  fb.sign(carol);
  return [
    {name: "a muxed destination", frame: frameOf(tx(alice, [pay(muxedBob)]))},
    {name: "a muxed operation source", frame: frameOf(tx(alice, [pay(carol.publicKey(), Asset.native(), "2", muxedBob)]))},
    {name: "a fee-bump", frame: frameOf(fb)},
    {name: "another operation kind", frame: frameOf(tx(alice, [Operation.createAccount({destination: Keypair.random().publicKey(), startingBalance: "10"})]))},
    {name: "a payment beside another kind", frame: frameOf(tx(alice, [pay(bob.publicKey()), Operation.manageData({name: "k", value: "v"})]))},
    {name: "v2 preconditions", frame: frameOf(tx(alice, [pay(bob.publicKey())], {minSeq: true}))},
  ];
}

function ledger(seq: number, frames: TxFrame[], failed: ReadonlySet<number> = new Set()): ClosedLedgerInput {
  const applied: AppliedTx[] = frames.map((f, i) => ({
    hashHex: f.hashHex,
    index: i + 1,
    successful: !failed.has(i),
    feeCharged: 100n,
    resultXdr: Buffer.alloc(48),
    resultCodes: {transaction: failed.has(i) ? "tx_failed" : "tx_success"},
    opParticipants: f.operations.map((op) => [op.source ?? f.sourceAccount, ...("destination" in op ? [op.destination] : [])]),
  })) as AppliedTx[];
  const opCount = frames.reduce((n, f) => n + f.operations.length, 0);
  const header = {seq, closeTime: 1_700_000_000 + seq, opCount} as unknown as ClosedLedgerInput["header"];
  return {header, result: {header, changes: new Map(), frames, applied}} as unknown as ClosedLedgerInput;
}

/** What a feed's listener streamed of each ledger: its operations' and payments' events, and one account's payments. */
interface Streamed {
  operations: Buffer;
  payments: Buffer;
  bobPayments: Buffer;
  count: number;
}

function listen(feed: LedgerFeed, base: string): Map<number, Streamed> {
  const out = new Map<number, Streamed>();
  feed.subscribe((e: LedgerEvent) => {
    const t = e.topicsFor(base);
    const ops = t.operations;
    out.set(e.ledger, {
      operations: Buffer.concat(ops.map((r) => r.frame())),
      payments: Buffer.concat(t.payments.map((r) => r.frame())),
      bobPayments: Buffer.concat(t.forAccount("payments", bob.publicKey()).map((r) => r.frame())),
      count: ops.length,
    });
  });
  return out;
}

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("scanPaymentTx", () => {
  it("reads a plain all-payment envelope's source and operations as decodeTxFrame does", () => {
    for (const t of plainTxs()) {
      const env = t.toEnvelope().toXDR();
      const frame = decodeTxFrame(env, networkId);
      assert.deepStrictEqual(scanPaymentTx(env), {sourceAccount: frame.sourceAccount, operations: frame.operations});
    }
  });

  it("answers undefined for every other envelope, and for cut or extended bytes", () => {
    for (const {name, frame} of otherTxs()) assert.equal(scanPaymentTx(frame.envelopeXdr), undefined, name);
    const env = plainTxs()[2]!.toEnvelope().toXDR();
    for (const cut of [0, 3, 40, 100, 150]) assert.equal(scanPaymentTx(env.subarray(0, cut)), undefined, `cut at ${cut}`);
    // The transaction's extension set (a Soroban tx's): where the signatures' count would be read as 1.
    const bad = Buffer.from(env);
    const sigCountAt = env.length - 4 - 72;
    assert.equal(bad.readUInt32BE(sigCountAt), 1, "the test's envelope has one signature");
    bad.writeUInt32BE(1, sigCountAt - 4);
    assert.equal(scanPaymentTx(bad), undefined, "ext 1");
  });
});

describe("formatCloseOps", () => {
  it("leaves the slots of every operation it does not read empty, in apply order", () => {
    const frames = [frameOf(plainTxs()[0]!), ...otherTxs().map((o) => o.frame), frameOf(plainTxs()[2]!)];
    const [pack] = formatCloseOps(closeFormatTask(77, 1_700_000_077, ["http://a.example"], frames));
    const sizes = [...pack!.offsets].slice(1).map((end, i) => end - pack!.offsets[i]!);
    const opCounts = frames.map((f) => f.operations.length);
    const expected = frames.flatMap((f, i) => f.operations.map(() => i === 0 || i === frames.length - 1));
    assert.equal(sizes.length, opCounts.reduce((a, b) => a + b, 0));
    assert.deepEqual(
      sizes.map((n) => n > 0),
      expected,
    );
    const first = Buffer.from(pack!.bytes).toString("utf8", 0, pack!.offsets[1]);
    const id = toidString(77, 1, 1);
    assert.ok(first.startsWith(`id: ${id}\ndata: {"_links":{"self":{"href":"http://a.example/operations/${id}"}`), first);
    assert.match(first, /"transaction_successful":true,/);
    assert.ok(first.endsWith("}\n\n"));
  });

  it("formats a ledger after a larger one exactly as before it (the kept scratch leaves nothing behind)", () => {
    const small = [frameOf(plainTxs()[0]!), frameOf(plainTxs()[2]!)];
    const format = (frames: TxFrame[], seq: number) => formatCloseOps(closeFormatTask(seq, 1_700_000_000 + seq, ["http://a.example"], frames))[0]!;
    const before = format(small, 90);
    // 140 records of ~1 KB: more than the first scratch's 64 KB, so it grows and is kept.
    const big = format(Array.from({length: 20}, () => plainTxs().map(frameOf)).flat(), 91);
    assert.ok(big.bytes.length > 64 * 1024, `${big.bytes.length} bytes`);
    const after = format(small, 90);
    assert.deepEqual([...after.offsets], [...before.offsets]);
    assert.deepEqual(Buffer.from(after.bytes), Buffer.from(before.bytes));
    const text = Buffer.from(after.bytes).toString("utf8");
    const events = text.split("\n\n").filter((e) => e !== "");
    assert.equal(events.length, 4);
    for (const [i, e] of events.entries()) {
      const [idLine, dataLine] = e.split("\n");
      const record = JSON.parse(dataLine!.slice("data: ".length)) as {paging_token: string};
      assert.equal(idLine, `id: ${record.paging_token}`, `event ${i}`);
    }
  });
});

describe("ledger feed with the record worker", () => {
  const base = "http://127.0.0.1:8123";
  const withWorker = new LedgerFeed({recordWorkerMinOps: 1}, {reader});
  const without = new LedgerFeed({recordWorkerMinOps: 0}, {reader});
  const streamedW = listen(withWorker, base);
  const streamedM = listen(without, base);
  after(() => {
    withWorker.close();
    without.close();
  });

  async function close(input: ClosedLedgerInput, sentFrames?: readonly TxFrame[]): Promise<void> {
    withWorker.closeStarted(input.header.seq, input.header.closeTime, sentFrames ?? input.result.frames);
    withWorker.publish(input);
    without.publish(input);
    const seq = input.header.seq;
    const w = await until(() => streamedW.get(seq), `ledger ${seq} with the worker`);
    const m = await until(() => streamedM.get(seq), `ledger ${seq} without`);
    assert.ok(m.count > 0);
    assert.ok(w.operations.equals(m.operations), `ledger ${seq}: operations`);
    assert.ok(w.payments.equals(m.payments), `ledger ${seq}: payments`);
    assert.ok(w.bobPayments.equals(m.bobPayments), `ledger ${seq}: one account's payments`);
  }

  it("streams the same bytes, taking the worker's records for plain payments of successful txs", async () => {
    // The first ledger tells the feed what its listeners ask for: no worker yet.
    await close(ledger(200, plainTxs().map(frameOf)));
    assert.deepEqual(withWorker.operationRecords, {worker: 0, main: 7});
    // The worker starts with the first ledger sent to it; one that takes longer to load than the
    // feed waits is formatted on the main thread (the bytes are compared all the same).
    await close(ledger(201, plainTxs().map(frameOf)));
    const before = {...withWorker.operationRecords};

    // Mixed: plain payments (one of them failed), then every kind the worker leaves.
    const plain = plainTxs().map(frameOf);
    const others = otherTxs().map((o) => o.frame);
    const frames = [plain[0]!, others[0]!, plain[1]!, others[1]!, others[2]!, plain[2]!, others[3]!, others[4]!, plain[3]!, others[5]!, plain[4]!];
    // The failed tx is plain[2] (three payments), at index 5.
    await close(ledger(202, frames, new Set([5])));
    const othersOps = others.reduce((n, f) => n + f.operations.length, 0);
    assert.deepEqual(withWorker.operationRecords, {worker: before.worker + 4, main: before.main + othersOps + 3});
    const failed = JSON.parse(streamedW.get(202)!.operations.toString("utf8").split("\n").filter((l) => l.startsWith("data: "))[5]!.slice(6)) as {transaction_successful: boolean; type: string};
    assert.equal(failed.transaction_successful, false, "the failed tx's payment was formatted as failed");
  });

  it("uses the worker's pack as the list itself when it holds every record", async () => {
    const before = {...withWorker.operationRecords};
    await close(ledger(203, plainTxs().map(frameOf)));
    assert.deepEqual(withWorker.operationRecords, {worker: before.worker + 7, main: before.main});
  });

  it("formats every record itself for a ledger applied in another order than the worker was sent", async () => {
    const before = {...withWorker.operationRecords};
    const frames = plainTxs().map(frameOf);
    await close(ledger(204, frames), [...frames].reverse());
    assert.deepEqual(withWorker.operationRecords, {worker: before.worker, main: before.main + 7});
  });

  it("leaves a ledger below recordWorkerMinOps to the main thread", async () => {
    const feed = new LedgerFeed({recordWorkerMinOps: 8}, {reader});
    const got = listen(feed, base);
    try {
      for (const seq of [300, 301]) {
        const input = ledger(seq, plainTxs().map(frameOf));
        feed.closeStarted(seq, input.header.closeTime, input.result.frames);
        feed.publish(input);
        await until(() => got.get(seq), `ledger ${seq}`);
      }
      assert.deepEqual(feed.operationRecords, {worker: 0, main: 14}, "7 operations a ledger, below 8");
    } finally {
      feed.close();
    }
  });
});
