/**
 * Anchors driven through @stellar/stellar-sdk against a running node: two anchors issue USD and
 * AED; USD requires authorization, is revocable and clawback-enabled. A holder cannot receive USD
 * until authorized, revoking a line pulls the holder's offers in it, a frozen holder cannot send
 * it, the anchor claws a balance back, and a holder withdraws by paying its anchor (the supply
 * drops). Balances and offers are read from the node's ledger.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, xdr, type AuthFlag} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";
import {TRUSTLINE_CLAWBACK_ENABLED_FLAG, AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, trustLineKey, type TrustLineEntry} from "../../src/ledger/types.js";

interface HorizonFailure {
  response?: {status?: number; data?: {extras?: {result_codes?: {transaction: string; operations?: string[]}; result_xdr?: string}}};
}

const D = 10_000_000n;

describe("anchors issuing credit through @stellar/stellar-sdk", () => {
  let n: RunningNode;
  let passphrase: string;
  const usdAnchor = Keypair.random();
  const aedAnchor = Keypair.random();
  const alice = Keypair.random();
  const bob = Keypair.random();
  const usd = new Asset("USD", usdAnchor.publicKey());
  const aed = new Asset("AED", aedAnchor.publicKey());

  /** Submits `ops` from `kp`; resolves to the op result codes (["op_success", …] or the failure's). */
  async function submit(kp: Keypair, ops: xdr.Operation[]): Promise<string[]> {
    const src = await n.server.loadAccount(kp.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(60).build();
    tx.sign(kp);
    try {
      const res = await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
      assert.equal(res.successful, true);
      return ops.map(() => "op_success");
    } catch (e) {
      const r = (e as HorizonFailure).response;
      assert.ok(r, "expected an HTTP error response, got " + String(e));
      assert.equal(r.data?.extras?.result_codes?.transaction, "tx_failed");
      return r.data?.extras?.result_codes?.operations ?? [];
    }
  }

  function line(holder: Keypair, a: Asset): TrustLineEntry | undefined {
    const e = n.node.store.getEntry(trustLineKey(holder.publicKey(), {type: "credit_alphanum4", code: a.getCode(), issuer: a.getIssuer()}));
    return e?.type === "trustline" ? e : undefined;
  }

  function supply(a: Asset): bigint {
    let s = 0n;
    for (const h of [alice, bob]) s += line(h, a)?.balance ?? 0n;
    return s;
  }

  before(async () => {
    n = await startNode();
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    passphrase = root.network_passphrase;
    for (const k of [usdAnchor, aedAnchor, alice, bob]) await n.server.friendbot(k.publicKey()).call();
  });
  after(async () => {
    await n.stop();
  });

  it("the USD anchor requires authorization and can revoke and claw back; holders open lines to both anchors", async () => {
    // AUTH_REQUIRED | AUTH_REVOCABLE | AUTH_CLAWBACK_ENABLED
    assert.deepEqual(await submit(usdAnchor, [Operation.setOptions({setFlags: 11 as AuthFlag})]), ["op_success"]);
    const trust = [Operation.changeTrust({asset: usd, limit: "1000"}), Operation.changeTrust({asset: aed})];
    assert.deepEqual(await submit(alice, trust), ["op_success", "op_success"]);
    assert.deepEqual(await submit(bob, trust), ["op_success", "op_success"]);
    assert.equal(line(alice, usd)!.flags, TRUSTLINE_CLAWBACK_ENABLED_FLAG, "USD lines start unauthorized");
    assert.equal(line(alice, aed)!.flags, AUTHORIZED_FLAG);
    const acc = await n.server.loadAccount(alice.publicKey());
    assert.equal(acc.subentry_count, 2);
  });

  it("AED is deposited at once; USD cannot be held until the anchor authorizes the line", async () => {
    assert.deepEqual(await submit(aedAnchor, [Operation.payment({destination: alice.publicKey(), asset: aed, amount: "250"})]), ["op_success"]);
    assert.equal(line(alice, aed)!.balance, 250n * D);
    assert.deepEqual(await submit(usdAnchor, [Operation.payment({destination: alice.publicKey(), asset: usd, amount: "100"})]), ["op_not_authorized"]);
    assert.equal(line(alice, usd)!.balance, 0n);
    const auth = Operation.setTrustLineFlags({trustor: alice.publicKey(), asset: usd, flags: {authorized: true}});
    const pay = Operation.payment({destination: alice.publicKey(), asset: usd, amount: "100"});
    assert.deepEqual(await submit(usdAnchor, [auth, pay]), ["op_success", "op_success"]);
    assert.equal(line(alice, usd)!.balance, 100n * D);
    // bob's line is not authorized yet: alice cannot pay him USD.
    assert.deepEqual(await submit(alice, [Operation.payment({destination: bob.publicKey(), asset: usd, amount: "30"})]), ["op_not_authorized"]);
    assert.deepEqual(await submit(usdAnchor, [Operation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 1})]), ["op_success"]);
    assert.deepEqual(await submit(alice, [Operation.payment({destination: bob.publicKey(), asset: usd, amount: "30"})]), ["op_success"]);
    assert.equal(line(alice, usd)!.balance, 70n * D);
    assert.equal(line(bob, usd)!.balance, 30n * D);
    assert.equal(supply(usd), 100n * D);
  });

  it("a holder's offers in USD hold liabilities; freezing keeps them, revoking pulls them and frees their reserves", async () => {
    assert.deepEqual(await submit(alice, [Operation.payment({destination: bob.publicKey(), asset: aed, amount: "20"})]), ["op_success"]);
    const offers = [
      Operation.manageSellOffer({selling: usd, buying: Asset.native(), amount: "10", price: "2"}),
      Operation.manageBuyOffer({selling: aed, buying: usd, buyAmount: "5", price: "1"}),
      Operation.manageSellOffer({selling: aed, buying: Asset.native(), amount: "4", price: "3"}),
    ];
    assert.deepEqual(await submit(bob, offers), ["op_success", "op_success", "op_success"]);
    const open = () => [...n.node.store.accountOffers(bob.publicKey())];
    assert.equal(open().length, 3);
    assert.equal(line(bob, usd)!.sellingLiabilities, 10n * D);
    assert.equal(line(bob, usd)!.buyingLiabilities, 5n * D);
    assert.equal((await n.server.loadAccount(bob.publicKey())).subentry_count, 5);

    const freeze = Operation.setTrustLineFlags({trustor: bob.publicKey(), asset: usd, flags: {authorized: false, authorizedToMaintainLiabilities: true}});
    assert.deepEqual(await submit(usdAnchor, [freeze]), ["op_success"]);
    assert.equal(open().length, 3, "maintain-liabilities keeps the offers");

    assert.deepEqual(await submit(usdAnchor, [Operation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 0})]), ["op_success"]);
    const left = open();
    assert.equal(left.length, 1);
    assert.equal(left[0]!.selling.type === "native" ? "native" : left[0]!.selling.code, "AED");
    assert.equal(line(bob, usd)!.sellingLiabilities, 0n);
    assert.equal(line(bob, usd)!.buyingLiabilities, 0n);
    assert.equal(line(bob, aed)!.sellingLiabilities, 4n * D);
    assert.equal(line(bob, usd)!.balance, 30n * D);
    assert.equal((await n.server.loadAccount(bob.publicKey())).subentry_count, 3);
  });

  it("revocation freezes a holder: it can neither send nor receive USD, and keeps its balance", async () => {
    const freeze = Operation.setTrustLineFlags({trustor: bob.publicKey(), asset: usd, flags: {authorized: false, authorizedToMaintainLiabilities: true}});
    assert.deepEqual(await submit(usdAnchor, [freeze]), ["op_success"]);
    assert.equal(line(bob, usd)!.flags, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG | TRUSTLINE_CLAWBACK_ENABLED_FLAG);
    assert.deepEqual(await submit(bob, [Operation.payment({destination: alice.publicKey(), asset: usd, amount: "1"})]), ["op_src_not_authorized"]);
    assert.deepEqual(await submit(alice, [Operation.payment({destination: bob.publicKey(), asset: usd, amount: "1"})]), ["op_not_authorized"]);
    assert.equal(line(bob, usd)!.balance, 30n * D);
    // AED is another anchor's: bob still uses it.
    assert.deepEqual(await submit(alice, [Operation.payment({destination: bob.publicKey(), asset: aed, amount: "50"})]), ["op_success"]);
    assert.equal(line(bob, aed)!.balance, 70n * D);
  });

  it("the anchor claws back part of the frozen balance; not more than is there, and not AED", async () => {
    assert.deepEqual(await submit(usdAnchor, [Operation.clawback({asset: usd, from: bob.publicKey(), amount: "30.0000001"})]), ["op_underfunded"]);
    assert.deepEqual(await submit(usdAnchor, [Operation.clawback({asset: usd, from: bob.publicKey(), amount: "10"})]), ["op_success"]);
    assert.equal(line(bob, usd)!.balance, 20n * D);
    assert.equal(supply(usd), 90n * D);
    assert.deepEqual(await submit(aedAnchor, [Operation.clawback({asset: aed, from: bob.publicKey(), amount: "1"})]), ["op_not_clawback_enabled"]);
  });

  it("a holder withdraws by paying its anchor: the supply drops; an emptied line can be closed", async () => {
    assert.deepEqual(await submit(alice, [Operation.payment({destination: usdAnchor.publicKey(), asset: usd, amount: "70"})]), ["op_success"]);
    assert.equal(line(alice, usd)!.balance, 0n);
    assert.equal(supply(usd), 20n * D);
    assert.deepEqual(await submit(alice, [Operation.payment({destination: aedAnchor.publicKey(), asset: aed, amount: "180"})]), ["op_success"]);
    assert.equal(supply(aed), 70n * D);
    assert.deepEqual(await submit(alice, [Operation.changeTrust({asset: usd, limit: "0"})]), ["op_success"]);
    assert.equal(line(alice, usd), undefined);
    const acc = await n.server.loadAccount(alice.publicKey());
    assert.equal(acc.subentry_count, 1);
    // bob still holds USD: his line cannot be closed, nor his account merged.
    assert.deepEqual(await submit(bob, [Operation.changeTrust({asset: usd, limit: "0"})]), ["op_invalid_limit"]);
    assert.deepEqual(await submit(bob, [Operation.accountMerge({destination: alice.publicKey()})]), ["op_has_sub_entries"]);
  });

  it("/accounts/{id} lists each trustline with balance, limit, liabilities and authorization flags", async () => {
    const acc = await n.server.loadAccount(bob.publicKey());
    const byCode = new Map(acc.balances.filter((b) => b.asset_type === "credit_alphanum4").map((b) => [(b as {asset_code: string}).asset_code, b as unknown as Record<string, unknown>]));
    const u = byCode.get("USD")!;
    assert.equal(u.asset_issuer, usdAnchor.publicKey());
    assert.equal(u.balance, "20.0000000");
    assert.equal(u.limit, "1000.0000000");
    assert.equal(u.buying_liabilities, "0.0000000");
    assert.equal(u.selling_liabilities, "0.0000000");
    assert.equal(u.is_authorized, false);
    assert.equal(u.is_authorized_to_maintain_liabilities, true);
    assert.equal(u.is_clawback_enabled, true);
    const a = byCode.get("AED")!;
    assert.equal(a.balance, "70.0000000");
    assert.equal(a.limit, "922337203685.4775807");
    assert.equal(a.selling_liabilities, "4.0000000");
    assert.equal(a.is_authorized, true);
    assert.equal(a.is_clawback_enabled, false);
  });

  it("/assets shows each anchor's supply by authorization state and its flags", async () => {
    const page = await n.server.assets().forCode("USD").forIssuer(usdAnchor.publicKey()).call();
    assert.equal(page.records.length, 1);
    const u = page.records[0]! as unknown as {
      balances: Record<string, string>;
      accounts: Record<string, number>;
      flags: Record<string, boolean>;
    };
    // Only bob's frozen 20 USD remain: 100 minted, 10 clawed back, 70 withdrawn.
    assert.deepEqual(u.balances, {authorized: "0.0000000", authorized_to_maintain_liabilities: "20.0000000", unauthorized: "0.0000000"});
    assert.deepEqual(u.accounts, {authorized: 0, authorized_to_maintain_liabilities: 1, unauthorized: 0});
    assert.deepEqual(u.flags, {auth_required: true, auth_revocable: true, auth_immutable: false, auth_clawback_enabled: true});
    const a = (await n.server.assets().forCode("AED").forIssuer(aedAnchor.publicKey()).call()).records[0]! as unknown as {balances: Record<string, string>};
    assert.equal(a.balances.authorized, "70.0000000");
  });
});
