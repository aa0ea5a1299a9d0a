/**
 * The ledger feed's payments topic, built once per ledger when anyone streams payments: ledgers
 * of signed native payments (as the streams bench sends) published to a `LedgerFeed`, and the
 * listener's CPU time to build the topic (operation records, their JSON packed as SSE events,
 * their accounts) per operation. The first ledgers include the JIT's warm-up, as in a node that
 * has just started streaming.
 *
 * A/B: the same ledgers through another build's feed (its `dist`), run alternately:
 *
 *   node dist/native-bench/micro/stream-topic.js [--txs 3000] [--ledgers 8] [--dist OTHER/dist] [--record-worker] [--index]
 *
 * `--record-worker`: each ledger is first sent to the feed's record worker as the close does
 * (`closeStarted`), and published once the worker has had time to answer; the listener's CPU is
 * then what the main thread still spends on the topic.
 *
 * `--index`: the listener also builds the topic's per-account index (one account's payments
 * asked, as a one-account stream asks each ledger), which lists every payment under each of its
 * accounts.
 */
import {parseArgs} from "node:util";
import {pathToFileURL} from "node:url";
import path from "node:path";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {BENCH_PASSPHRASE} from "../fixtures.js";
import {isEntryPoint} from "../measure.js";
import type {ClosedLedgerInput, LedgerEvent} from "../../src/api/stream/interface.js";
import type {LedgerFeed} from "../../src/api/stream/feed.js";
import type {TxFrame} from "../../src/tx/interface.js";
import type {AppliedTx} from "../../src/tx/types.js";

/** Distinct accounts the payments go between (the e2e bench's load uses 1,000; a few hundred give the same record shapes). */
const ACCOUNTS = 200;

export interface StreamTopicResult {
  /** Listener CPU per ledger, ms. */
  ledgerMs: number[];
  /** Listener CPU per operation over all ledgers, µs. */
  perOpUs: number;
}

/** Builds `ledgers` closed ledgers of `txs` one-payment txs each, decoded by `decodeTxFrame` of the build under test. */
export function closedLedgers(decode: (xdr: Buffer) => TxFrame, txs: number, ledgers: number): ClosedLedgerInput[] {
  const keys = Array.from({length: ACCOUNTS}, (_, i) => Keypair.fromRawEd25519Seed(Buffer.alloc(32, (i % 250) + 1).fill(i >> 8, 0, 1)));
  const out: ClosedLedgerInput[] = [];
  for (let l = 0; l < ledgers; l++) {
    const frames: TxFrame[] = [];
    const applied: AppliedTx[] = [];
    for (let i = 0; i < txs; i++) {
      const src = keys[i % ACCOUNTS]!;
      const dst = keys[(i * 7 + 3) % ACCOUNTS]!;
      const tx = new TransactionBuilder(new Account(src.publicKey(), String(1000 + l * txs + i)), {fee: "100", networkPassphrase: BENCH_PASSPHRASE})
        .addOperation(Operation.payment({destination: dst.publicKey(), asset: Asset.native(), amount: "1.0000001"}))
        .setTimeout(0)
        .build();
      tx.sign(src);
      const frame = decode(tx.toEnvelope().toXDR());
      frames.push(frame);
      const op = frame.operations[0]!;
      if (op.type !== "payment") throw new Error(`decoded a ${op.type}, not a payment`);
      applied.push({
        hashHex: frame.hashHex,
        index: i + 1,
        successful: true,
        feeCharged: 100n,
        resultXdr: Buffer.alloc(48),
        resultCodes: {transaction: "tx_success"},
        // The decoded frame's own account strings, as apply lists them (tx/apply.ts opParticipants):
        // equal strings made apart (StrKey's) would cost the feed a comparison the node never pays.
        opParticipants: [[frame.sourceAccount, op.destination]],
      });
    }
    const seq = 100 + l;
    const header = {seq, closeTime: 1_700_000_000 + seq, opCount: txs} as unknown as ClosedLedgerInput["header"];
    out.push({header, result: {header, changes: new Map(), frames, applied}});
  }
  return out;
}

export async function runStreamTopicBench(opts: {txs: number; ledgers: number; dist: string; recordWorker?: boolean; index?: boolean}): Promise<StreamTopicResult> {
  const load = (rel: string): Promise<unknown> => import(pathToFileURL(path.join(opts.dist, rel)).href);
  const {decodeTxFrame} = (await load("src/tx/frame.js")) as {decodeTxFrame: (xdr: Buffer, networkId: Buffer) => TxFrame};
  const {networkIdOf} = (await load("src/ledger/options.js")) as {networkIdOf: (passphrase: string) => Buffer};
  const feedModule = (await load("src/api/stream/feed.js")) as {LedgerFeed: typeof LedgerFeed};
  const networkId = networkIdOf(BENCH_PASSPHRASE);
  const ledgers = closedLedgers((x) => decodeTxFrame(x, networkId), opts.txs, opts.ledgers);
  // Payments need no store read: the reader is never called. No preparation ahead of the
  // listener (prepareSliceRecords 0): each ledger is handed out inside its publish, and the
  // listener's first read builds the topic in its own turn, where it is measured.
  const feed = new feedModule.LedgerFeed({retainLedgers: 10, prepareSliceRecords: 0, recordWorkerMinOps: opts.recordWorker === true ? 1 : 0}, {reader: {} as never});
  const ledgerMs: number[] = [];
  feed.subscribe((e: LedgerEvent) => {
    const before = process.cpuUsage();
    let bytes = 0;
    const payments = e.topics.payments;
    for (const r of payments) bytes += r.eventByteLength;
    if (opts.index === true && e.topics.forAccount("payments", payments[0]!.record.source_account).length === 0) throw new Error("the index lists no payment of a payer");
    const used = process.cpuUsage(before);
    if (bytes === 0) throw new Error("no payment records built");
    ledgerMs.push((used.user + used.system) / 1000);
  });
  for (const l of ledgers) {
    if (opts.recordWorker === true) {
      feed.closeStarted(l.header.seq, l.header.closeTime, l.result.frames);
      // A ledger of thousands of payments applies for a few hundred ms; the first also starts the thread.
      await new Promise((r) => setTimeout(r, l === ledgers[0] ? 3000 : 500));
    }
    feed.publish(l);
  }
  feed.close();
  if (ledgerMs.length !== ledgers.length) throw new Error(`the listener got ${ledgerMs.length} of ${ledgers.length} ledgers inside publish`);
  const total = ledgerMs.reduce((a, b) => a + b, 0);
  return {ledgerMs, perOpUs: (total * 1000) / (opts.txs * opts.ledgers)};
}

if (isEntryPoint(import.meta.url)) {
  const {values} = parseArgs({options: {txs: {type: "string"}, ledgers: {type: "string"}, dist: {type: "string"}, "record-worker": {type: "boolean"}, index: {type: "boolean"}}});
  const txs = Number(values.txs ?? 3000);
  const ledgers = Number(values.ledgers ?? 8);
  if (!Number.isSafeInteger(txs) || txs < 1 || !Number.isSafeInteger(ledgers) || ledgers < 1) throw new Error("--txs and --ledgers take whole numbers ≥ 1");
  // This build's dist by default (this file is dist/native-bench/micro/stream-topic.js).
  const dist = path.resolve(values.dist ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..", ".."));
  const recordWorker = values["record-worker"] === true;
  const index = values.index === true;
  const r = await runStreamTopicBench({txs, ledgers, dist, recordWorker, index});
  console.log(`payments topic${index ? " and its per-account index" : ""}, ${ledgers} ledgers of ${txs} payments, feed of ${dist}${recordWorker ? ", records formatted by the record worker while each ledger applies" : ""}`);
  console.log(`listener CPU per ledger: ${r.ledgerMs.map((x) => x.toFixed(1)).join(" / ")} ms`);
  const sorted = [...r.ledgerMs].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  console.log(`listener CPU per payment: ${r.perOpUs.toFixed(2)} µs over all ledgers, ${((median * 1000) / txs).toFixed(2)} µs in the median ledger`);
}
