/**
 * The accounts the feed lists each operation under (its source first, then the accounts apply
 * reported, each once) and the per-account index built from them, for operations touching one,
 * two or several accounts, in txs of one and of several operations.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {LedgerFeed} from "../../../src/api/stream/feed.js";
import type {ClosedLedgerInput, LedgerEvent} from "../../../src/api/stream/interface.js";
import type {LedgerReader} from "../../../src/store/types.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import type {AppliedTx} from "../../../src/tx/types.js";

const PASSPHRASE = "Diamante feed accounts test";
const networkId = networkIdOf(PASSPHRASE);
const BASE = "http://127.0.0.1:8000";
/** Operation records read no store. */
const reader = {} as LedgerReader;

const [alice, bob, carol, dave] = [1, 2, 3, 4].map((i) => Keypair.fromRawEd25519Seed(Buffer.alloc(32, i)).publicKey()) as [string, string, string, string];
let sequence = 1;

function frame(source: string, ops: ReturnType<typeof Operation.payment>[]): TxFrame {
  const b = new TransactionBuilder(new Account(source, String(sequence++)), {fee: "100", networkPassphrase: PASSPHRASE});
  for (const op of ops) b.addOperation(op);
  const t = b.setTimeout(0).build();
  t.sign(Keypair.fromRawEd25519Seed(Buffer.alloc(32, [alice, bob, carol, dave].indexOf(source) + 1)));
  return decodeTxFrame(t.toEnvelope().toXDR(), networkId);
}

const pay = (destination: string, source?: string) => Operation.payment({destination, asset: Asset.native(), amount: "1", ...(source !== undefined ? {source} : {})});

/** A ledger of `txs` applied at the given indexes, each op with the accounts apply reported for it. */
function ledger(txs: {frame: TxFrame; index: number; touched: string[][]}[]): ClosedLedgerInput {
  const applied = txs.map((t) => ({
    hashHex: t.frame.hashHex,
    index: t.index,
    successful: true,
    feeCharged: 100n,
    resultXdr: Buffer.alloc(48),
    resultCodes: {transaction: "tx_success"},
    opParticipants: t.touched,
  })) as AppliedTx[];
  const opCount = txs.reduce((n, t) => n + t.frame.operations.length, 0);
  const header = {seq: 7, closeTime: 1_700_000_007, opCount} as unknown as ClosedLedgerInput["header"];
  return {header, result: {header, changes: new Map(), frames: txs.map((t) => t.frame), applied}} as unknown as ClosedLedgerInput;
}

function publish(input: ClosedLedgerInput): LedgerEvent {
  const feed = new LedgerFeed({}, {reader});
  let event: LedgerEvent | undefined;
  feed.subscribe((e) => (event = e));
  feed.publish(input);
  feed.close();
  return event!;
}

describe("the feed's accounts of each operation", () => {
  const input = ledger([
    {frame: frame(bob, [pay(carol), pay(alice, carol)]), index: 1, touched: [[carol], [carol, alice, carol]]},
    // Apply reported four more accounts, with repeats and the source among them.
    {frame: frame(carol, [pay(dave)]), index: 2, touched: [[dave, alice, carol, bob, dave, alice]]},
    {frame: frame(alice, [pay(bob)]), index: 3, touched: [[alice, bob]]},
  ]);
  const topics = publish(input).topicsFor(BASE);
  const byId = new Map(topics.operations.map((o) => [o.opId, o]));
  const op = (txIndex: number, opIndex: number) => {
    const id = ((BigInt(7) << 32n) | (BigInt(txIndex) << 12n) | BigInt(opIndex)).toString();
    const o = byId.get(id);
    assert.ok(o !== undefined, `operation ${txIndex}/${opIndex}`);
    return o;
  };

  it("lists the source first, then each account apply reported, once", () => {
    assert.deepEqual([...op(3, 1).accounts], [alice, bob]);
    assert.deepEqual([...op(1, 1).accounts], [bob, carol]);
    assert.deepEqual([...op(1, 2).accounts], [carol, alice]);
    assert.deepEqual([...op(2, 1).accounts], [carol, dave, alice, bob]);
  });

  it("answers has() for exactly those accounts", () => {
    for (const [o, inside] of [
      [op(3, 1), [alice, bob]],
      [op(1, 2), [carol, alice]],
      [op(2, 1), [carol, dave, alice, bob]],
    ] as const) {
      for (const a of [alice, bob, carol, dave]) assert.equal(o.accounts.has(a), (inside as readonly string[]).includes(a), `${o.opId} has ${a}`);
    }
  });

  it("indexes every operation under each of its accounts, in paging order", () => {
    const ids = (account: string) => topics.forAccount("operations", account).map((o) => o.opId);
    assert.deepEqual(ids(dave), [op(2, 1).opId]);
    assert.deepEqual(ids(alice), [op(1, 2).opId, op(2, 1).opId, op(3, 1).opId]);
    assert.deepEqual(ids(bob), [op(1, 1).opId, op(2, 1).opId, op(3, 1).opId]);
    assert.deepEqual(ids(carol), [op(1, 1).opId, op(1, 2).opId, op(2, 1).opId]);
    assert.deepEqual(topics.forAccount("payments", dave).map((o) => o.opId), [op(2, 1).opId]);
    assert.deepEqual(topics.forAccount("operations", Keypair.fromRawEd25519Seed(Buffer.alloc(32, 9)).publicKey()), []);
  });
});
