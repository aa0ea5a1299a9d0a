/** Peers' bytes are never trusted: tx sets and quorum sets are checked before use (catch-up records: test/unit/history). */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Account, Keypair, Operation, TransactionBuilder, Networks} from "@stellar/stellar-base";
import {createHash} from "node:crypto";
import {decodeTxSet, encodeTxSet, makeTxSet} from "../../../src/herder/tx-set.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {parseQuorumSet} from "../../../src/herder/network.js";
import {HerderError} from "../../../src/herder/errors.js";

const networkId = createHash("sha256").update(Networks.TESTNET).digest();

function frames(n: number) {
  const kp = Keypair.random();
  return Array.from({length: n}, (_, i) => {
    const tx = new TransactionBuilder(new Account(kp.publicKey(), String(i)), {fee: "200", networkPassphrase: Networks.TESTNET})
      .addOperation(Operation.bumpSequence({bumpTo: "0"}))
      .setTimeout(0)
      .build();
    tx.sign(kp);
    return decodeTxFrame(tx.toEnvelope().toXDR(), networkId);
  });
}

test("a tx set round-trips through its peer encoding and keeps its hash", () => {
  const set = makeTxSet("ab".repeat(32), frames(3), 3, 150n);
  const back = decodeTxSet(encodeTxSet(set), set.hashHex, networkId, decodeTxFrame, 100);
  assert.equal(back.hashHex, set.hashHex);
  assert.equal(back.baseFeeCharged, 150n);
  assert.equal(back.ops, 3);
  assert.deepEqual(back.frames.map((f) => f.hashHex).sort(), set.frames.map((f) => f.hashHex).sort());
});

test("a tx set is refused when its bytes do not hash to the requested set, are truncated, repeat a tx or hold too many", () => {
  const set = makeTxSet("ab".repeat(32), frames(2), 2, 100n);
  const body = encodeTxSet(set);
  const refused = (b: Buffer, hash = set.hashHex, max = 100) =>
    assert.throws(() => decodeTxSet(b, hash, networkId, decodeTxFrame, max), (e: unknown) => e instanceof HerderError && e.code === "herder_bad_value");
  refused(body, "00".repeat(32));
  refused(body.subarray(0, body.length - 3));
  refused(Buffer.concat([body, Buffer.from([0])]));
  refused(body, set.hashHex, 1);
  const twice = makeTxSet("ab".repeat(32), [set.frames[0]!, set.frames[0]!], 2, 100n);
  refused(encodeTxSet(twice), twice.hashHex);
  const fee = Buffer.from(body);
  fee.writeBigInt64BE(0n, 33);
  refused(fee);
});

test("a peer's quorum set must be well formed and at most 4 levels deep", () => {
  const g = Keypair.random().publicKey();
  assert.deepEqual(parseQuorumSet({threshold: 1, validators: [g], innerSets: []}), {threshold: 1, validators: [g], innerSets: []});
  for (const bad of [null, {threshold: 1.5, validators: [g], innerSets: []}, {threshold: "1", validators: [g], innerSets: []}, {threshold: 1, validators: [7], innerSets: []}, {threshold: 1, validators: [g]}]) {
    assert.throws(() => parseQuorumSet(bad));
  }
  let deep: unknown = {threshold: 1, validators: [g], innerSets: []};
  for (let i = 0; i < 5; i++) deep = {threshold: 1, validators: [], innerSets: [deep]};
  assert.throws(() => parseQuorumSet(deep));
});
