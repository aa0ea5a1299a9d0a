/**
 * Horizon's operation records of the trust, DEX and escrow operations, from envelopes the SDK
 * builds and results shaped as stellar-core writes them; account balances with trustlines.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Claimant, Keypair, Operation as SdkOperation, TransactionBuilder, xdr} from "@stellar/stellar-sdk";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {storedTxOf} from "../../../src/store/records.js";
import {storedOp} from "../../../src/store/ledger-store.js";
import {operationRecord} from "../../../src/api/format/operation.js";
import {accountRecord} from "../../../src/api/format/account.js";
import {predicateJson, priceString, ratioString} from "../../../src/api/format/asset.js";
import type {AccountEntry, TrustLineEntry} from "../../../src/ledger/types.js";
import type {StoredOp} from "../../../src/store/types.js";
import {PASSPHRASE, claimAtom as atom} from "./store-ledger.js";

const BASE = "http://h:8000";
const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 41));
const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 42));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 43));
const USD = new Asset("USD", anchor.publicKey());
const LONGCODE = new Asset("LONGCODE1234", anchor.publicKey());

/** The operation records of a 1-op tx from alice, with `result` as its TransactionResult. */
function opsOf(ops: xdr.Operation[], successful = true, result?: xdr.TransactionResult, source = alice): StoredOp[] {
  let b = new TransactionBuilder(new Account(source.publicKey(), "10"), {fee: "100", networkPassphrase: PASSPHRASE});
  for (const op of ops) b = b.addOperation(op);
  const tx = b.setTimeout(0).build();
  tx.sign(source);
  const frame = decodeTxFrame(tx.toEnvelope().toXDR(), networkIdOf(PASSPHRASE));
  const stx = storedTxOf(frame, {
    ledger: 5,
    index: 1,
    closedAt: 1_700_000_000,
    feeCharged: 100n,
    successful,
    resultCodes: {transaction: successful ? "tx_success" : "tx_failed"},
    result: result === undefined ? Buffer.alloc(0) : result.toXDR(),
  });
  return ops.map((_, i) => storedOp(stx, i + 1)!);
}

function txResult(opResults: xdr.OperationResult[]): xdr.TransactionResult {
  return new xdr.TransactionResult({
    feeCharged: new xdr.Int64(100),
    result: xdr.TransactionResultResult.txSuccess(opResults),
    ext: new xdr.TransactionResultExt(0),
  });
}

function simpleLast(dest: Keypair, asset: Asset, amount: number): xdr.SimplePaymentResult {
  return new xdr.SimplePaymentResult({destination: xdr.PublicKey.publicKeyTypeEd25519(dest.rawPublicKey()), asset: asset.toXDRObject(), amount: new xdr.Int64(amount)});
}

describe("prices as Horizon prints them", () => {
  it("rounds the 7th decimal to nearest, halves away from zero, exactly", () => {
    assert.equal(priceString({n: 1, d: 3}), "0.3333333");
    assert.equal(priceString({n: 2, d: 3}), "0.6666667");
    assert.equal(priceString({n: 7, d: 11}), "0.6363636");
    assert.equal(priceString({n: 1, d: 20_000_000}), "0.0000001"); // 0.00000005 rounds up
    assert.equal(priceString({n: 1, d: 20_000_001}), "0.0000000");
    assert.equal(priceString({n: 2147483647, d: 3}), "715827882.3333333");
    assert.equal(priceString({n: 2147483647, d: 1}), "2147483647.0000000");
    assert.throws(() => ratioString(1n, 0n), RangeError);
  });
});

describe("claim predicates as Horizon's JSON", () => {
  it("prints every kind, absolute times with their epoch", () => {
    assert.deepEqual(predicateJson({type: "unconditional"}), {unconditional: true});
    assert.deepEqual(predicateJson({type: "before_relative_time", seconds: 3600n}), {rel_before: "3600"});
    assert.deepEqual(
      predicateJson({type: "not", predicate: {type: "before_absolute_time", time: 1_700_000_000n}}),
      {not: {abs_before: "2023-11-14T22:13:20Z", abs_before_epoch: "1700000000"}},
    );
    assert.deepEqual(predicateJson({type: "and", predicates: [{type: "unconditional"}, {type: "or", predicates: [{type: "before_relative_time", seconds: 1n}]}]}), {
      and: [{unconditional: true}, {or: [{rel_before: "1"}]}],
    });
    assert.deepEqual(predicateJson({type: "before_absolute_time", time: 253402300800n}), {abs_before: "+10000-01-01T00:00:00Z", abs_before_epoch: "253402300800"});
  });
});

describe("operation records of the new operations", () => {
  it("change_trust names trustor, trustee and limit; allow_trust the authorize flags", () => {
    const [ct, at, at12] = opsOf([
      SdkOperation.changeTrust({asset: USD, limit: "1000"}),
      SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 2}),
      SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "LONGCODE1234", authorize: 1}),
    ]);
    const r = operationRecord(ct!, BASE);
    assert.equal(r.type, "change_trust");
    assert.equal(r.type_i, 6);
    assert.equal(r.asset_type, "credit_alphanum4");
    assert.equal(r.asset_code, "USD");
    assert.equal(r.asset_issuer, anchor.publicKey());
    assert.equal(r.trustee, anchor.publicKey());
    assert.equal(r.trustor, alice.publicKey());
    assert.equal(r.limit, "1000.0000000");
    const a = operationRecord(at!, BASE);
    assert.equal(a.type, "allow_trust");
    // allow_trust's asset is issued by the op's source (the trustee).
    assert.equal(a.asset_issuer, alice.publicKey());
    assert.equal(a.trustee, alice.publicKey());
    assert.equal(a.trustor, bob.publicKey());
    assert.equal(a.authorize, false);
    assert.equal(a.authorize_to_maintain_liabilities, true);
    const b = operationRecord(at12!, BASE);
    assert.equal(b.asset_type, "credit_alphanum12");
    assert.equal(b.authorize, true);
    assert.equal("authorize_to_maintain_liabilities" in b, false);
  });

  it("set_trust_line_flags lists set and clear flags with Horizon's names", () => {
    const [op] = opsOf([SdkOperation.setTrustLineFlags({trustor: bob.publicKey(), asset: USD, flags: {authorized: true, clawbackEnabled: false, authorizedToMaintainLiabilities: false}})]);
    const r = operationRecord(op!, BASE);
    assert.equal(r.type, "set_trust_line_flags");
    assert.equal(r.trustor, bob.publicKey());
    assert.deepEqual(r.set_flags, [1]);
    assert.deepEqual(r.set_flags_s, ["authorized"]);
    assert.deepEqual(r.clear_flags, [2, 4]);
    assert.deepEqual(r.clear_flags_s, ["authorized_to_maintain_liabilites", "clawback_enabled"]);
  });

  it("offers carry amount, price, price_r, both assets and offer_id (a string)", () => {
    const [sell, buy, passive] = opsOf([
      SdkOperation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "12.5", price: {n: 7, d: 11}, offerId: "9007199254740993"}),
      SdkOperation.manageBuyOffer({selling: Asset.native(), buying: LONGCODE, buyAmount: "3", price: {n: 1, d: 3}}),
      SdkOperation.createPassiveSellOffer({selling: USD, buying: LONGCODE, amount: "1", price: "2"}),
    ]);
    const s = operationRecord(sell!, BASE);
    assert.equal(s.type, "manage_sell_offer");
    assert.equal(s.amount, "12.5000000");
    assert.equal(s.price, "0.6363636");
    assert.deepEqual(s.price_r, {n: 7, d: 11});
    // Above 2^53: the id must not pass through a double.
    assert.equal(s.offer_id, "9007199254740993");
    assert.equal(s.selling_asset_code, "USD");
    assert.equal(s.buying_asset_type, "native");
    assert.equal("buying_asset_code" in s, false);
    const b = operationRecord(buy!, BASE);
    assert.equal(b.type, "manage_buy_offer");
    assert.equal(b.type_i, 12);
    assert.equal(b.amount, "3.0000000");
    assert.equal(b.price, "0.3333333");
    assert.equal(b.offer_id, "0");
    assert.equal(b.buying_asset_type, "credit_alphanum12");
    const p = operationRecord(passive!, BASE);
    assert.equal(p.type, "create_passive_sell_offer");
    assert.equal(p.price, "2.0000000");
    assert.equal("offer_id" in p, false);
  });

  it("path payments: strict receive's source_amount and strict send's amount come from the result", () => {
    const ops = [
      SdkOperation.pathPaymentStrictReceive({sendAsset: USD, sendMax: "50", destination: bob.publicKey(), destAsset: LONGCODE, destAmount: "10", path: [Asset.native()]}),
      SdkOperation.pathPaymentStrictSend({sendAsset: USD, sendAmount: "20", destination: bob.publicKey(), destAsset: LONGCODE, destMin: "1", path: []}),
    ];
    const result = txResult([
      xdr.OperationResult.opInner(
        xdr.OperationResultTr.pathPaymentStrictReceive(
          xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(
            new xdr.PathPaymentStrictReceiveResultSuccess({
              // The first hop's offers bought USD from alice (two of them), then the DIAM hop.
              offers: [atom(bob, 1, Asset.native(), 300, USD, 110_000_000), atom(bob, 2, Asset.native(), 200, USD, 90_000_000), atom(anchor, 3, LONGCODE, 100_000_000, Asset.native(), 500)],
              last: simpleLast(bob, LONGCODE, 100_000_000),
            }),
          ),
        ),
      ),
      xdr.OperationResult.opInner(
        xdr.OperationResultTr.pathPaymentStrictSend(
          xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
            new xdr.PathPaymentStrictSendResultSuccess({offers: [atom(anchor, 4, LONGCODE, 77_000_000, USD, 200_000_000)], last: simpleLast(bob, LONGCODE, 77_000_000)}),
          ),
        ),
      ),
    ]);
    const [recv, send] = opsOf(ops, true, result);
    const r = operationRecord(recv!, BASE);
    assert.equal(r.type, "path_payment_strict_receive");
    assert.equal(r.amount, "10.0000000");
    assert.equal(r.source_amount, "20.0000000");
    assert.equal(r.source_max, "50.0000000");
    assert.equal(r.from, alice.publicKey());
    assert.equal(r.to, bob.publicKey());
    assert.equal(r.asset_code, "LONGCODE1234");
    assert.equal(r.source_asset_code, "USD");
    assert.deepEqual(r.path, [{asset_type: "native"}]);
    const s = operationRecord(send!, BASE);
    assert.equal(s.type, "path_payment_strict_send");
    assert.equal(s.amount, "7.7000000");
    assert.equal(s.source_amount, "20.0000000");
    assert.equal(s.destination_min, "1.0000000");
    assert.deepEqual(s.path, []);
    // A failed transaction moved nothing: Horizon prints zero for the result-derived amount.
    const [failedRecv, failedSend] = opsOf(ops, false);
    assert.equal(operationRecord(failedRecv!, BASE).source_amount, "0.0000000");
    assert.equal(operationRecord(failedSend!, BASE).amount, "0.0000000");
  });

  it("clawback and claimable balance operations", () => {
    const id = "ab".repeat(32);
    const [cb, create, claim, cbcb] = opsOf(
      [
        SdkOperation.clawback({asset: USD, from: bob.publicKey(), amount: "4"}),
        SdkOperation.createClaimableBalance({
          asset: USD,
          amount: "2.5",
          claimants: [new Claimant(bob.publicKey(), Claimant.predicateBeforeRelativeTime("60")), new Claimant(alice.publicKey())],
        }),
        SdkOperation.claimClaimableBalance({balanceId: "00000000" + id}),
        SdkOperation.clawbackClaimableBalance({balanceId: "00000000" + id}),
      ],
      true,
      undefined,
      anchor,
    );
    const c = operationRecord(cb!, BASE);
    assert.equal(c.type, "clawback");
    assert.equal(c.from, bob.publicKey());
    assert.equal(c.amount, "4.0000000");
    assert.equal(c.asset_code, "USD");
    const cr = operationRecord(create!, BASE);
    assert.equal(cr.type, "create_claimable_balance");
    assert.equal(cr.asset, `USD:${anchor.publicKey()}`);
    assert.equal(cr.amount, "2.5000000");
    assert.deepEqual(cr.claimants, [
      {destination: bob.publicKey(), predicate: {rel_before: "60"}},
      {destination: alice.publicKey(), predicate: {unconditional: true}},
    ]);
    const cl = operationRecord(claim!, BASE);
    assert.equal(cl.type, "claim_claimable_balance");
    assert.equal(cl.balance_id, "00000000" + id);
    assert.equal(cl.claimant, anchor.publicKey());
    const cc = operationRecord(cbcb!, BASE);
    assert.equal(cc.type, "clawback_claimable_balance");
    assert.equal(cc.type_i, 20);
    assert.equal(cc.balance_id, "00000000" + id);
  });
});

describe("account balances with trustlines", () => {
  it("lists trustlines by type, code and issuer with limits, liabilities and flags, then native", () => {
    const acc: AccountEntry = {
      type: "account",
      accountId: alice.publicKey(),
      balance: 1_000_000_000n,
      seqNum: 10n,
      numSubEntries: 2,
      inflationDest: null,
      flags: 0,
      homeDomain: "",
      thresholds: {master: 1, low: 0, med: 0, high: 0},
      signers: [],
      buyingLiabilities: 5n,
      sellingLiabilities: 7n,
      seqLedger: 0,
      seqTime: 0n,
      numSponsoring: 3,
      lastModifiedLedger: 4,
    };
    const line = (code: string, flags: number): TrustLineEntry => ({
      type: "trustline",
      accountId: alice.publicKey(),
      asset: {type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: anchor.publicKey()},
      balance: 25_000_000n,
      limit: 9_223_372_036_854_775_807n,
      flags,
      buyingLiabilities: 1n,
      sellingLiabilities: 2n,
      lastModifiedLedger: 3,
    });
    const rec = accountRecord(acc, [], null, BASE, [line("LONGCODE", 4), line("USD", 2), line("AED", 1)]);
    assert.equal(rec.num_sponsoring, 3);
    assert.deepEqual(
      rec.balances.map((b) => ("asset_code" in b ? b.asset_code : b.asset_type)),
      ["AED", "USD", "LONGCODE", "native"],
    );
    assert.deepEqual(rec.balances[0], {
      balance: "2.5000000",
      limit: "922337203685.4775807",
      buying_liabilities: "0.0000001",
      selling_liabilities: "0.0000002",
      last_modified_ledger: 3,
      is_authorized: true,
      is_authorized_to_maintain_liabilities: true,
      is_clawback_enabled: false,
      asset_type: "credit_alphanum4",
      asset_code: "AED",
      asset_issuer: anchor.publicKey(),
    });
    const usd = rec.balances[1] as unknown as Record<string, unknown>;
    assert.equal(usd.is_authorized, false);
    assert.equal(usd.is_authorized_to_maintain_liabilities, true);
    const long = rec.balances[2] as unknown as Record<string, unknown>;
    assert.equal(long.is_authorized_to_maintain_liabilities, false);
    assert.equal(long.is_clawback_enabled, true);
    assert.deepEqual(rec.balances[3], {balance: "100.0000000", buying_liabilities: "0.0000005", selling_liabilities: "0.0000007", asset_type: "native"});
  });
});
