/**
 * /claimable_balances/{id}/operations and /transactions through the public SDK
 * (`operations().forClaimableBalance`, `transactions().forClaimableBalance`): the operations whose
 * meta created, claimed or clawed back the balance, as Horizon relates them, in history order,
 * with paging, order, include_failed and join=transactions as on the other sub-collections.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Claimant, Keypair, NotFoundError, Operation, TransactionBuilder, type Transaction, type xdr} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";
import {openMarket, type Market} from "../helpers/market.js";
import {toidString} from "../../src/store/toid.js";
import {openSse} from "../helpers/sse.js";

describe("claimable balance operations and transactions (SDK)", () => {
  let n: RunningNode;
  let m: Market;
  let createTx: {hash: string; ledger: number};
  let claimTx: {hash: string; ledger: number};
  let first: string;
  let second: string;

  /** Builds, signs and submits; returns the built tx and its ledger (throws for a failed tx). */
  async function send(signer: Keypair, ...ops: xdr.Operation[]): Promise<{tx: Transaction; hash: string; ledger: number}> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: m.passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    const r = await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    return {tx, hash: r.hash, ledger: r.ledger};
  }

  before(async () => {
    n = await startNode();
    m = await openMarket(n, "CBH");
    // One tx: a payment, then two balances for bob (operations 2 and 3).
    const created = await send(
      m.alice,
      Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "1"}),
      Operation.createClaimableBalance({asset: m.asset, amount: "10", claimants: [new Claimant(m.bob.publicKey())]}),
      Operation.createClaimableBalance({asset: m.asset, amount: "20", claimants: [new Claimant(m.bob.publicKey())]}),
    );
    createTx = created;
    first = created.tx.getClaimableBalanceId(1);
    second = created.tx.getClaimableBalanceId(2);
    // The issuer is no claimant: its claim fails and changes nothing.
    await assert.rejects(send(m.issuer, Operation.claimClaimableBalance({balanceId: first})));
    claimTx = await send(m.bob, Operation.claimClaimableBalance({balanceId: first}));
  });
  after(async () => {
    await n.stop();
  });

  it("lists the operations that created and claimed a balance, in history order", async () => {
    const page = await n.server.operations().forClaimableBalance(first).call();
    const ops = page.records;
    assert.deepEqual(
      ops.map((o) => o.type),
      ["create_claimable_balance", "claim_claimable_balance"],
    );
    assert.equal(ops[0]!.transaction_hash, createTx.hash);
    assert.equal(ops[1]!.transaction_hash, claimTx.hash);
    // The create is the tx's second operation: its TOID says so.
    const createdTx = await n.server.transactions().transaction(createTx.hash).call();
    assert.equal(ops[0]!.id, (BigInt(createdTx.paging_token) + 2n).toString());
    assert.equal((ops[1] as unknown as {balance_id: string}).balance_id, first);
    // The other balance of the same tx has only its own create.
    const other = await n.server.operations().forClaimableBalance(second).call();
    assert.deepEqual(
      other.records.map((o) => [o.type, o.id]),
      [["create_claimable_balance", (BigInt(createdTx.paging_token) + 3n).toString()]],
    );
  });

  it("pages with limit and cursor in both orders, and next() ends with an empty page", async () => {
    const all = (await n.server.operations().forClaimableBalance(first).call()).records.map((o) => o.id);
    const p1 = await n.server.operations().forClaimableBalance(first).limit(1).call();
    assert.deepEqual(
      p1.records.map((o) => o.id),
      [all[0]],
    );
    const p2 = await p1.next();
    assert.deepEqual(
      p2.records.map((o) => o.id),
      [all[1]],
    );
    assert.equal((await p2.next()).records.length, 0);
    const desc = await n.server.operations().forClaimableBalance(first).order("desc").call();
    assert.deepEqual(
      desc.records.map((o) => o.id),
      [...all].reverse(),
    );
    const before = await n.server.operations().forClaimableBalance(first).order("desc").cursor(all[1]!).call();
    assert.deepEqual(
      before.records.map((o) => o.id),
      [all[0]],
    );
  });

  it("include_failed adds nothing (a failed claim changed no balance), join=transactions embeds each transaction", async () => {
    const withFailed = await n.server.operations().forClaimableBalance(first).includeFailed(true).call();
    assert.equal(withFailed.records.length, 2);
    assert.ok(withFailed.records.every((o) => o.transaction_successful));
    // The SDK turns an embedded record into a loader; the wire carries it whole.
    const joined = (await (await fetch(`${n.url}/claimable_balances/${first}/operations?join=transactions`)).json()) as {
      _embedded: {records: Array<{transaction?: {hash: string}}>};
    };
    assert.deepEqual(
      joined._embedded.records.map((r) => r.transaction?.hash),
      [createTx.hash, claimTx.hash],
    );
  });

  it("lists the transactions of a balance, each once, with paging", async () => {
    const txs = await n.server.transactions().forClaimableBalance(first).call();
    assert.deepEqual(
      txs.records.map((t) => t.hash),
      [createTx.hash, claimTx.hash],
    );
    assert.deepEqual(
      (await n.server.transactions().forClaimableBalance(second).call()).records.map((t) => t.hash),
      [createTx.hash],
    );
    const p1 = await n.server.transactions().forClaimableBalance(first).limit(1).call();
    assert.deepEqual(
      p1.records.map((t) => t.hash),
      [createTx.hash],
    );
    const p2 = await p1.next();
    assert.deepEqual(
      p2.records.map((t) => t.hash),
      [claimTx.hash],
    );
    const desc = await n.server.transactions().forClaimableBalance(first).order("desc").limit(1).call();
    assert.deepEqual(
      desc.records.map((t) => t.hash),
      [claimTx.hash],
    );
    assert.deepEqual(
      (await desc.next()).records.map((t) => t.hash),
      [createTx.hash],
    );
    // The claim's ledger is the claim tx's (Horizon's ledger attribute).
    assert.equal(txs.records[1]!.ledger_attr, claimTx.ledger);
    assert.equal(txs.records[1]!.paging_token, toidString(claimTx.ledger, Number((BigInt(txs.records[1]!.paging_token) >> 12n) & 0xfffffn), 0));
  });

  // Last: it claims the second balance.
  it("streams a balance's operations and transactions as Horizon does: history first, then each new one", async () => {
    const ops = await openSse(`${n.url}/claimable_balances/${second}/operations`);
    const live = await openSse(`${n.url}/claimable_balances/${second}/transactions?cursor=now`);
    try {
      assert.equal(ops.status, 200);
      assert.equal(live.status, 200);
      const records = (c: typeof ops) => c.events().filter((e) => e.event === undefined && e.id !== undefined);
      await ops.waitFor((ev) => ev.some((e) => e.id !== undefined), 10_000, "the create from history");
      const claimed = await send(m.bob, Operation.claimClaimableBalance({balanceId: second}));
      await ops.waitFor(() => records(ops).length >= 2, 15_000, "the claim, live");
      await live.waitFor(() => records(live).length >= 1, 15_000, "the claim's transaction, live");
      assert.deepEqual(
        records(ops).map((e) => (JSON.parse(e.data) as {type: string}).type),
        ["create_claimable_balance", "claim_claimable_balance"],
      );
      const tx = records(live).map((e) => JSON.parse(e.data) as {hash: string});
      assert.deepEqual(
        tx.map((t) => t.hash),
        [claimed.hash],
      );
      // The streamed records are the GET's, token for token.
      const page = await n.server.operations().forClaimableBalance(second).call();
      assert.deepEqual(
        records(ops).map((e) => e.id),
        page.records.map((o) => o.paging_token),
      );
    } finally {
      ops.close();
      live.close();
    }
  });

  it("answers 404 for a balance no operation touched and 400 for a malformed id", async () => {
    const unknown = "00000000" + "ab".repeat(32);
    await assert.rejects(n.server.operations().forClaimableBalance(unknown).call(), NotFoundError);
    await assert.rejects(n.server.transactions().forClaimableBalance(unknown).call(), NotFoundError);
    await assert.rejects(n.server.operations().forClaimableBalance("nope").call());
    for (const sub of ["operations", "transactions"]) {
      const r = await fetch(`${n.url}/claimable_balances/nope/${sub}`);
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as {extras: {invalid_field: string}}).extras.invalid_field, "claimable_balance_id");
    }
  });
});
