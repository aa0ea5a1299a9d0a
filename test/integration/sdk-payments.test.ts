/**
 * A node driven end to end by the public @stellar/stellar-sdk, as a wallet would drive Horizon.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Memo, Operation, TransactionBuilder, Horizon, NotFoundError, xdr} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

interface HorizonFailure {
  response?: {status?: number; data?: {type?: string; extras?: {result_codes?: {transaction: string; operations?: string[]}; result_xdr?: string}}};
}

/** Submits and returns the Horizon problem of a rejected submission (fails if it was accepted). */
async function rejection(server: Horizon.Server, tx: Parameters<Horizon.Server["submitTransaction"]>[0]) {
  try {
    await server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  } catch (e) {
    const r = (e as HorizonFailure).response;
    assert.ok(r, "expected an HTTP error response, got " + String(e));
    return {status: r.status, data: r.data ?? {}};
  }
  assert.fail("submission was accepted but should have been rejected");
}

/** A one-payment tx from `source` to `destination`, signed by `signer`. */
function payment(
  source: Account,
  signer: Keypair,
  destination: string,
  amount: string,
  networkPassphrase: string,
): ReturnType<TransactionBuilder["build"]> {
  const tx = new TransactionBuilder(source, {fee: "100", networkPassphrase})
    .addOperation(Operation.payment({destination, asset: Asset.native(), amount}))
    .setTimeout(60)
    .build();
  tx.sign(signer);
  return tx;
}

function nativeBalance(acc: Horizon.AccountResponse): string {
  const b = acc.balances.find((x) => x.asset_type === "native");
  assert.ok(b, "account has a native balance");
  return b.balance;
}

describe("payments through @stellar/stellar-sdk", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const bob = Keypair.random();

  before(async () => {
    n = await startNode();
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    passphrase = root.network_passphrase;
    await n.server.friendbot(alice.publicKey()).call();
    await n.server.friendbot(bob.publicKey()).call();
  });
  after(async () => {
    await n.stop();
  });

  it("funds accounts through friendbot", async () => {
    const a = await n.server.loadAccount(alice.publicKey());
    assert.equal(nativeBalance(a), "10000.0000000");
    assert.equal(a.subentry_count, 0);
  });

  it("pays with a text memo; balances move to the stroop and the fee is deducted", async () => {
    const src = await n.server.loadAccount(alice.publicKey());
    const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "12.3456789"}))
      .addMemo(Memo.text("rent for june"))
      .setTimeout(60)
      .build();
    tx.sign(alice);
    const res = await n.server.submitTransaction(tx);
    assert.equal(res.successful, true);
    assert.ok(res.ledger > 1);

    const a = await n.server.loadAccount(alice.publicKey());
    const b = await n.server.loadAccount(bob.publicKey());
    assert.equal(nativeBalance(a), "9987.6543111"); // 10000 − 12.3456789 − 0.0000100
    assert.equal(nativeBalance(b), "10012.3456789");

    const rec = await n.server.transactions().transaction(res.hash).call();
    assert.equal(rec.memo_type, "text");
    assert.equal(rec.memo, "rent for june");
    assert.equal(rec.fee_charged, "100");
    assert.equal(rec.source_account, alice.publicKey());

    const pays = await n.server.payments().forAccount(bob.publicKey()).order("desc").call();
    const p = pays.records.find((r) => r.transaction_hash === res.hash) as Horizon.ServerApi.PaymentOperationRecord | undefined;
    assert.ok(p, "the payment is listed for the receiver");
    assert.equal(p.type, "payment");
    assert.equal(p.from, alice.publicKey());
    assert.equal(p.to, bob.publicKey());
    assert.equal(p.amount, "12.3456789");
    assert.equal(p.asset_type, "native");
  });

  it("rejects a stale sequence number with tx_bad_seq", async () => {
    const src = await n.server.loadAccount(alice.publicKey());
    const stale = new Account(alice.publicKey(), (BigInt(src.sequence) - 1n).toString());
    const tx = payment(stale, alice, bob.publicKey(), "1", passphrase);
    const r = await rejection(n.server, tx);
    assert.equal(r.status, 400);
    assert.equal(r.data.extras?.result_codes?.transaction, "tx_bad_seq");
    const result = xdr.TransactionResult.fromXDR(r.data.extras?.result_xdr ?? "", "base64");
    assert.equal(result.result().switch().name, "txBadSeq", "result_xdr carries the same code");
    const after = await n.server.loadAccount(alice.publicKey());
    assert.equal(after.sequence, src.sequence, "a rejected tx consumes no sequence number");
  });

  it("fails an overdraft with op_underfunded and still charges the fee", async () => {
    const src = await n.server.loadAccount(alice.publicKey());
    const before = nativeBalance(src);
    const seqBefore = BigInt(src.sequence); // the builder advances src's sequence in place
    const tx = payment(src, alice, bob.publicKey(), "50000", passphrase);
    const r = await rejection(n.server, tx);
    assert.equal(r.status, 400);
    assert.equal(r.data.extras?.result_codes?.transaction, "tx_failed");
    assert.deepEqual(r.data.extras?.result_codes?.operations, ["op_underfunded"]);
    const after = await n.server.loadAccount(alice.publicKey());
    assert.equal(BigInt(after.sequence), seqBefore + 1n, "a failed tx in a ledger consumes its sequence number");
    const stroops = (s: string) => BigInt(s.replace(".", ""));
    assert.equal(stroops(before) - stroops(nativeBalance(after)), 100n);
  });

  it("rejects a tx signed for another network with tx_bad_auth", async () => {
    const src = await n.server.loadAccount(alice.publicKey());
    const tx = payment(src, alice, bob.publicKey(), "1", "Some Other Network ; 2026");
    const r = await rejection(n.server, tx);
    assert.equal(r.status, 400);
    assert.equal(r.data.extras?.result_codes?.transaction, "tx_bad_auth");
  });

  it("answers 404 for an account that does not exist", async () => {
    await assert.rejects(n.server.loadAccount(Keypair.random().publicKey()), NotFoundError);
  });

  it("multisig: two of three signers pass a medium threshold, one does not; merge with a data entry fails", async () => {
    const owner = Keypair.random();
    const s1 = Keypair.random();
    const s2 = Keypair.random();
    await n.server.friendbot(owner.publicKey()).call();
    let acc = await n.server.loadAccount(owner.publicKey());
    const setup = new TransactionBuilder(acc, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.setOptions({signer: {ed25519PublicKey: s1.publicKey(), weight: 1}}))
      .addOperation(Operation.setOptions({signer: {ed25519PublicKey: s2.publicKey(), weight: 1}}))
      .addOperation(Operation.setOptions({masterWeight: 1, lowThreshold: 2, medThreshold: 2, highThreshold: 2}))
      .setTimeout(60)
      .build();
    setup.sign(owner);
    await n.server.submitTransaction(setup);
    acc = await n.server.loadAccount(owner.publicKey());
    assert.equal(acc.signers.length, 3);
    assert.equal(acc.thresholds.med_threshold, 2);
    assert.equal(acc.subentry_count, 2);

    const pay = () =>
      new TransactionBuilder(acc, {fee: "100", networkPassphrase: passphrase})
        .addOperation(Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "5"}))
        .setTimeout(60)
        .build();
    const two = pay();
    two.sign(s1, s2);
    const ok = await n.server.submitTransaction(two, {skipMemoRequiredCheck: true});
    assert.equal(ok.successful, true);

    acc = await n.server.loadAccount(owner.publicKey());
    const one = pay();
    one.sign(s2);
    const r = await rejection(n.server, one);
    assert.equal(r.data.extras?.result_codes?.transaction, "tx_bad_auth");

    // Signers alone do not block a merge (Stellar); a data entry does.
    acc = await n.server.loadAccount(owner.publicKey());
    const data = new TransactionBuilder(acc, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.manageData({name: "kyc", value: "ok"}))
      .setTimeout(60)
      .build();
    data.sign(s1, s2);
    await n.server.submitTransaction(data);
    acc = await n.server.loadAccount(owner.publicKey());
    assert.equal(acc.subentry_count, 3);
    assert.equal(acc.data_attr.kyc, Buffer.from("ok").toString("base64"));
    const merge = new TransactionBuilder(acc, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.accountMerge({destination: bob.publicKey()}))
      .setTimeout(60)
      .build();
    merge.sign(owner, s1);
    const m = await rejection(n.server, merge);
    assert.equal(m.data.extras?.result_codes?.transaction, "tx_failed");
    assert.deepEqual(m.data.extras?.result_codes?.operations, ["op_has_sub_entries"]);
  });

  it("pages through ledgers and an account's operations", async () => {
    const first = await n.server.ledgers().order("asc").limit(2).call();
    assert.equal(first.records.length, 2);
    assert.equal(first.records[0].sequence, 1);
    const second = await first.next();
    assert.equal(second.records[0].sequence, 3);
    assert.equal(second.records[0].prev_hash, ((await n.server.ledgers().ledger(2).call()) as unknown as {hash: string}).hash);

    const ops = await n.server.operations().forAccount(alice.publicKey()).order("asc").call();
    assert.ok(ops.records.length >= 2);
    assert.equal(ops.records[0].type, "create_account");
  });
});
