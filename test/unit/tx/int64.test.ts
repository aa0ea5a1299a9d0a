/** uint64 / int64 values never pass through a JS number: time bounds and the surge fee rate. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {Keypair, Operation, TestLedger, TransactionBuilder} from "./harness.js";
import {ledgerCommit, storedTxOf} from "../../../src/store/records.js";
import {transactionRecord} from "../../../src/api/format/transaction.js";
import {TxQueue} from "../../../src/herder/tx-queue.js";
import {makeTxSet} from "../../../src/herder/tx-set.js";
import type {TxFrame} from "../../../src/tx/interface.js";

const U64_MAX = 2n ** 64n - 1n;

test("time bounds keep every bit of their uint64 values from envelope to API", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const tx = new TransactionBuilder(l.source(a), {
    fee: "100",
    networkPassphrase: l.config.passphrase,
    timebounds: {minTime: "9007199254740993", maxTime: U64_MAX.toString()},
  })
    .addOperation(Operation.bumpSequence({bumpTo: "0"}))
    .build();
  tx.sign(a);
  const frame = l.frame(tx);
  assert.deepEqual(frame.timeBounds, {minTime: 9_007_199_254_740_993n, maxTime: U64_MAX});
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.resultCodes.transaction, "tx_too_early");
  const st = storedTxOf(frame, {...ledgerCommit(r).txs[0]!, meta: undefined});
  assert.equal(st.validAfter, 9_007_199_254_740_993n);
  assert.equal(st.validBefore, U64_MAX);
  const rec = transactionRecord(st, "http://localhost");
  assert.deepEqual(rec.preconditions, {timebounds: {min_time: "9007199254740993", max_time: "18446744073709551615"}});
});

function frame(source: string, maxFee: bigint): TxFrame {
  const hash = createHash("sha256").update(source + maxFee).digest();
  return {
    envelopeXdr: Buffer.alloc(0),
    hash,
    hashHex: hash.toString("hex"),
    isFeeBump: false,
    feeSource: source,
    sourceAccount: source,
    seqNum: 1n,
    maxFee,
    operations: [{source: null, type: "bump_sequence", bumpTo: 0n}],
    memo: {type: "none"},
    timeBounds: null,
    signatures: [],
    feeBumpSignatures: [],
    innerHash: hash,
    verified: [],
    verifiedFeeBump: [],
  };
}

test("the surge fee rate is exact above 2^53 and above 2^32, and names the tx set", () => {
  const q = new TxQueue(10, 10);
  const big = 2n ** 62n + 1n;
  q.add(frame("A", big), 0);
  q.add(frame("B", big + 2n), 0);
  const sel = q.select(1, 100);
  assert.equal(sel.txs.length, 1);
  assert.equal(sel.baseFeeCharged, big + 2n);
  // Two sets that differ only in a fee above uint32 are two values.
  const s1 = makeTxSet("00".repeat(32), [], 0, 100n);
  const s2 = makeTxSet("00".repeat(32), [], 0, 2n ** 32n + 100n);
  assert.notEqual(s1.hashHex, s2.hashHex);
});
