/**
 * Issued assets: change_trust, credit payments (mint, transfer, burn), allow_trust and
 * set_trust_line_flags (including revocation pulling offers), clawback, account flags and merge,
 * each with stellar-core's result codes and XDR result arms.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TestLedger, xdr} from "./harness.js";
import {
  AUTHORIZED_FLAG,
  AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG,
  offerKey,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG,
  trustLineKey,
  type CreditAsset,
  type LedgerEntry,
  type OfferEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import type {LedgerCloseResult} from "../../../src/tx/interface.js";
import type {AuthFlag} from "@stellar/stellar-base";

/** Account flag bits combined (the sdk types one flag at a time). */
function flags(n: number): AuthFlag {
  return n as AuthFlag;
}

const D = 10_000_000n; // stroops per unit

function credit(a: Asset): CreditAsset {
  return {type: a.getCode().length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code: a.getCode(), issuer: a.getIssuer()};
}

function line(l: TestLedger, holder: Keypair, a: Asset): TrustLineEntry | undefined {
  const e = l.entries.get(trustLineKey(holder.publicKey(), credit(a)));
  return e?.type === "trustline" ? e : undefined;
}

/** Operation `i`'s XDR result of the only tx in `r`. */
function opXdr(r: LedgerCloseResult, i = 0): xdr.OperationResultTr {
  const res = xdr.TransactionResult.fromXDR(r.applied[0]!.resultXdr);
  return res.result().results()[i]!.tr();
}

function opCodes(r: LedgerCloseResult): string[] | undefined {
  return r.applied[0]!.resultCodes.operations;
}

/** Closes one tx of `kp`'s ops, signed by `kp`. */
function run(l: TestLedger, kp: Keypair, ops: xdr.Operation[]): LedgerCloseResult {
  return l.close([l.build(kp, ops)]);
}

/** Sum of every holder's balance of `a` (the issuer's implicit line holds none): the supply. */
function supply(l: TestLedger, a: Asset): bigint {
  let s = 0n;
  for (const e of l.entries.values()) if (e.type === "trustline" && e.asset.code === a.getCode() && e.asset.issuer === a.getIssuer()) s += e.balance;
  return s;
}

/** A fresh snapshot of every entry, to prove a failed op changed nothing but the fee and seq. */
function entriesExceptAccounts(l: TestLedger): Map<string, LedgerEntry> {
  const m = new Map<string, LedgerEntry>();
  for (const [k, v] of l.entries) if (v.type !== "account") m.set(k, {...v});
  return m;
}

function setup(issuerFlags: {required?: boolean; revocable?: boolean; clawback?: boolean} = {}) {
  const l = new TestLedger();
  const issuer = Keypair.random();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([issuer, a, b], "100");
  const bits = (issuerFlags.required ? 1 : 0) | (issuerFlags.revocable || issuerFlags.clawback ? 2 : 0) | (issuerFlags.clawback ? 8 : 0);
  if (bits !== 0) {
    const r = run(l, issuer, [Operation.setOptions({setFlags: flags(bits)})]);
    assert.deepEqual(opCodes(r), ["op_success"]);
  }
  const usd = new Asset("USD", issuer.publicKey());
  return {l, issuer, a, b, usd};
}

test("change_trust creates a line with the issuer's flags and a reserve, updates its limit and deletes it at 0", () => {
  const {l, a, usd} = setup();
  const before = l.account(a.publicKey())!;
  let r = run(l, a, [Operation.changeTrust({asset: usd, limit: "1000"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(opXdr(r).changeTrustResult().switch().name, "changeTrustSuccess");
  const t = line(l, a, usd)!;
  assert.equal(t.balance, 0n);
  assert.equal(t.limit, 1000n * D);
  assert.equal(t.flags, AUTHORIZED_FLAG);
  assert.equal(l.account(a.publicKey())!.numSubEntries, before.numSubEntries + 1);

  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "5"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.limit, 5n * D);

  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "0"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd), undefined);
  assert.equal(l.account(a.publicKey())!.numSubEntries, before.numSubEntries);
});

test("change_trust: AUTH_REQUIRED issuer gives an unauthorized line; AUTH_CLAWBACK_ENABLED makes it clawback-enabled", () => {
  const {l, a, usd} = setup({required: true, clawback: true});
  run(l, a, [Operation.changeTrust({asset: usd})]);
  const t = line(l, a, usd)!;
  assert.equal(t.flags, TRUSTLINE_CLAWBACK_ENABLED_FLAG);
  assert.equal(t.limit, 9_223_372_036_854_775_807n); // the sdk's default limit is int64 max
});

test("change_trust failures: native or own asset is malformed, missing issuer, zero limit for a new line, reserve", () => {
  const {l, issuer, a, usd} = setup();
  const snapshot = entriesExceptAccounts(l);
  // Own asset: malformed at admission (protocol ≥ 16), as is the native asset.
  const own = l.build(issuer, [Operation.changeTrust({asset: usd})]);
  assert.deepEqual(l.check(own)!.resultCodes.operations, ["op_malformed"]);
  let r = l.close([own]);
  assert.deepEqual(opCodes(r), ["op_malformed"]);
  assert.equal(opXdr(r).changeTrustResult().switch().name, "changeTrustMalformed");
  const nativeOp = xdr.Operation.fromXDR(Operation.changeTrust({asset: usd}).toXDR());
  nativeOp.body().changeTrustOp().line(xdr.ChangeTrustAsset.assetTypeNative());
  r = run(l, a, [nativeOp]);
  assert.deepEqual(opCodes(r), ["op_malformed"]);

  const ghost = new Asset("EUR", Keypair.random().publicKey());
  r = run(l, a, [Operation.changeTrust({asset: ghost})]);
  assert.deepEqual(opCodes(r), ["op_no_issuer"]);
  assert.equal(opXdr(r).changeTrustResult().switch().name, "changeTrustNoIssuer");

  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "0"})]);
  assert.deepEqual(opCodes(r), ["op_invalid_limit"]);
  assert.equal(opXdr(r).changeTrustResult().switch().name, "changeTrustInvalidLimit");
  assert.deepEqual(entriesExceptAccounts(l), snapshot);

  // An account left at exactly its minimum balance (2 reserves) by the fee cannot afford a third.
  const poor = Keypair.random();
  l.fund([poor], "1.00001");
  r = run(l, poor, [Operation.changeTrust({asset: usd})]);
  assert.deepEqual(opCodes(r), ["op_low_reserve"]);
  assert.equal(opXdr(r).changeTrustResult().switch().name, "changeTrustLowReserve");
  assert.equal(line(l, poor, usd), undefined);
  assert.equal(l.account(poor.publicKey())!.numSubEntries, 0);
});

test("change_trust: the limit cannot drop below balance plus buying liabilities; a non-empty line cannot be deleted", () => {
  const {l, issuer, a, usd} = setup();
  run(l, a, [Operation.changeTrust({asset: usd, limit: "100"})]);
  assert.deepEqual(opCodes(run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "40"})])), ["op_success"]);
  let r = run(l, a, [Operation.changeTrust({asset: usd, limit: "39.9999999"})]);
  assert.deepEqual(opCodes(r), ["op_invalid_limit"]);
  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "0"})]);
  assert.deepEqual(opCodes(r), ["op_invalid_limit"]);
  assert.equal(line(l, a, usd)!.limit, 100n * D);
  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "40"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  // Buying liabilities (an open buy offer) also hold the limit up.
  const t = line(l, a, usd)!;
  l.entries.set(trustLineKey(a.publicKey(), credit(usd)), {...t, limit: 50n * D, buyingLiabilities: 5n * D});
  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "44.9999999"})]);
  assert.deepEqual(opCodes(r), ["op_invalid_limit"]);
  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "45"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
});

test("credit payments: the issuer mints by paying, holders transfer, paying the issuer burns", () => {
  const {l, issuer, a, b, usd} = setup();
  run(l, a, [Operation.changeTrust({asset: usd, limit: "100"})]);
  run(l, b, [Operation.changeTrust({asset: usd})]);
  let r = run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "60"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentSuccess");
  assert.equal(supply(l, usd), 60n * D);
  r = run(l, a, [Operation.payment({destination: b.publicKey(), asset: usd, amount: "25.5"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.balance, 345_000_000n);
  assert.equal(line(l, b, usd)!.balance, 255_000_000n);
  // Withdrawal: b pays its anchor back and the supply drops by the amount.
  r = run(l, b, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "20"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, b, usd)!.balance, 55_000_000n);
  assert.equal(supply(l, usd), 40n * D);
  // Paying oneself credit leaves the balance as it was.
  r = run(l, a, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.balance, 345_000_000n);
});

test("credit payment failures: no trust, line full, underfunded, not authorized on either side", () => {
  const {l, issuer, a, b, usd} = setup({required: true, revocable: true});
  const c = Keypair.random();
  l.fund([c], "100");
  let r = run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_no_trust"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentNoTrust");
  run(l, a, [Operation.changeTrust({asset: usd, limit: "10"})]);
  run(l, b, [Operation.changeTrust({asset: usd, limit: "10"})]);
  // AUTH_REQUIRED: the line exists but cannot receive until the issuer authorizes it.
  r = run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_not_authorized"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentNotAuthorized");
  r = run(l, issuer, [
    Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 1}),
    Operation.allowTrust({trustor: b.publicKey(), assetCode: "USD", authorize: 1}),
  ]);
  assert.deepEqual(opCodes(r), ["op_success", "op_success"]);
  r = run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "10.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_line_full"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentLineFull");
  r = run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "10"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  r = run(l, a, [Operation.payment({destination: c.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_no_trust"]);
  r = run(l, c, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_line_full"]); // a's line is full: the destination is checked first
  r = run(l, c, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_src_no_trust"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentSrcNoTrust");
  r = run(l, b, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "0.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_line_full"]);
  r = run(l, a, [Operation.payment({destination: b.publicKey(), asset: usd, amount: "10.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_line_full"]);
  run(l, b, [Operation.changeTrust({asset: usd, limit: "100"})]);
  r = run(l, a, [Operation.payment({destination: b.publicKey(), asset: usd, amount: "4"}), Operation.payment({destination: b.publicKey(), asset: usd, amount: "6.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_success", "op_underfunded"]);
  assert.equal(opXdr(r, 1).paymentResult().switch().name, "paymentUnderfunded");
  assert.equal(line(l, a, usd)!.balance, 10n * D); // the failed tx rolled back its first payment too
  // Frozen (authorized to maintain liabilities only): can neither send nor receive.
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 2})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  r = run(l, a, [Operation.payment({destination: b.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_src_not_authorized"]);
  assert.equal(opXdr(r).paymentResult().switch().name, "paymentSrcNotAuthorized");
  r = run(l, b, [Operation.changeTrust({asset: usd, limit: "10"})]);
  r = run(l, issuer, [Operation.payment({destination: b.publicKey(), asset: usd, amount: "1"}), Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_success", "op_not_authorized"]);
  assert.equal(line(l, a, usd)!.balance, 10n * D);
  assert.equal(line(l, b, usd)!.balance, 0n);
});

test("allow_trust: authorize, freeze and revoke; op_cant_revoke without AUTH_REVOCABLE; op_no_trust; malformed", () => {
  const {l, issuer, a, b, usd} = setup({required: true});
  run(l, a, [Operation.changeTrust({asset: usd})]);
  let r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 1})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(opXdr(r).allowTrustResult().switch().name, "allowTrustSuccess");
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_FLAG);
  // Not revocable: neither revoking nor stepping down to maintain-liabilities.
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 0})]);
  assert.deepEqual(opCodes(r), ["op_cant_revoke"]);
  assert.equal(opXdr(r).allowTrustResult().switch().name, "allowTrustCantRevoke");
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 2})]);
  assert.deepEqual(opCodes(r), ["op_cant_revoke"]);
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_FLAG);
  r = run(l, issuer, [Operation.allowTrust({trustor: b.publicKey(), assetCode: "USD", authorize: 1})]);
  assert.deepEqual(opCodes(r), ["op_no_trust"]);
  assert.equal(opXdr(r).allowTrustResult().switch().name, "allowTrustNoTrustLine");
  const self = l.build(issuer, [Operation.allowTrust({trustor: issuer.publicKey(), assetCode: "USD", authorize: 1})]);
  assert.deepEqual(l.check(self)!.resultCodes.operations, ["op_malformed"]);
  const both = xdr.Operation.fromXDR(Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 1}).toXDR());
  both.body().allowTrustOp().authorize(3);
  r = run(l, issuer, [both]);
  assert.deepEqual(opCodes(r), ["op_malformed"]);
  assert.equal(opXdr(r).allowTrustResult().switch().name, "allowTrustMalformed");
  // A 3-character code in the alphanum12 arm names no valid asset (alphanum12 codes are 5-12 long).
  const long = xdr.Operation.fromXDR(Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 1}).toXDR());
  const code12 = Buffer.alloc(12);
  code12.write("USD", "ascii");
  long.body().allowTrustOp().asset(xdr.AssetCode.assetTypeCreditAlphanum12(code12));
  assert.deepEqual(l.check(l.build(issuer, [long]))!.resultCodes.operations, ["op_malformed"]);

  // Revocable: freeze, then revoke; other flags (clawback) are kept.
  run(l, issuer, [Operation.setOptions({setFlags: flags(2)})]);
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 2})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG);
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 0})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.flags, 0);
});

test("set_trust_line_flags: set and clear, op_invalid_state, op_cant_revoke, clawback can only be cleared", () => {
  const {l, issuer, a, b, usd} = setup({required: true, clawback: true});
  run(l, a, [Operation.changeTrust({asset: usd})]);
  let r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: true}})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(opXdr(r).setTrustLineFlagsResult().switch().name, "setTrustLineFlagsSuccess");
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_FLAG | TRUSTLINE_CLAWBACK_ENABLED_FLAG);
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorizedToMaintainLiabilities: true}})]);
  assert.deepEqual(opCodes(r), ["op_invalid_state"]);
  assert.equal(opXdr(r).setTrustLineFlagsResult().switch().name, "setTrustLineFlagsInvalidState");
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: false, authorizedToMaintainLiabilities: true, clawbackEnabled: false}})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG);
  // Setting clawback, both auth levels, another issuer's asset, oneself: malformed at admission.
  for (const op of [
    Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {clawbackEnabled: true}}),
    Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: true, authorizedToMaintainLiabilities: true}}),
    Operation.setTrustLineFlags({trustor: issuer.publicKey(), asset: usd, flags: {authorized: true}}),
  ]) {
    assert.deepEqual(l.check(l.build(issuer, [op]))!.resultCodes.operations, ["op_malformed"]);
  }
  r = run(l, b, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: true}})]);
  assert.deepEqual(opCodes(r), ["op_malformed"]);
  assert.equal(opXdr(r).setTrustLineFlagsResult().switch().name, "setTrustLineFlagsMalformed");
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: b.publicKey(), asset: usd, flags: {authorized: true}})]);
  assert.deepEqual(opCodes(r), ["op_no_trust"]);
  assert.equal(opXdr(r).setTrustLineFlagsResult().switch().name, "setTrustLineFlagsNoTrustLine");

  // Without AUTH_REVOCABLE (clawback cleared first): clearing an auth level fails unless AUTHORIZED is set with it.
  r = run(l, issuer, [Operation.setOptions({clearFlags: flags(10)})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorizedToMaintainLiabilities: false}})]);
  assert.deepEqual(opCodes(r), ["op_cant_revoke"]);
  assert.equal(opXdr(r).setTrustLineFlagsResult().switch().name, "setTrustLineFlagsCantRevoke");
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorizedToMaintainLiabilities: false, authorized: true}})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd)!.flags, AUTHORIZED_FLAG);
});

/** Puts an open offer into the ledger with its liabilities and sub-entry, as the DEX would leave it. */
function putOffer(l: TestLedger, o: Omit<OfferEntry, "type" | "flags" | "lastModifiedLedger">, selling: bigint, buying: bigint): void {
  l.entries.set(offerKey(o.offerId), {type: "offer", flags: 0, lastModifiedLedger: l.header.seq, ...o});
  const acc = l.account(o.sellerId)!;
  const bump = (asset: OfferEntry["selling"], field: "sellingLiabilities" | "buyingLiabilities", v: bigint): void => {
    if (asset.type === "native") {
      (acc as Record<typeof field, bigint>)[field] += v;
      return;
    }
    const t = l.entries.get(trustLineKey(o.sellerId, asset));
    if (t?.type !== "trustline") throw new Error("no line for offer");
    l.entries.set(trustLineKey(o.sellerId, asset), {...t, [field]: t[field] + v});
  };
  bump(o.selling, "sellingLiabilities", selling);
  bump(o.buying, "buyingLiabilities", buying);
  acc.numSubEntries += 1;
}

test("revoking a line removes the holder's offers buying or selling the asset and releases their liabilities", () => {
  const {l, issuer, a, usd} = setup({revocable: true});
  const eurIssuer = Keypair.random();
  l.fund([eurIssuer], "100");
  const eur = new Asset("EUR", eurIssuer.publicKey());
  run(l, a, [Operation.changeTrust({asset: usd}), Operation.changeTrust({asset: eur})]);
  run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "300"})]);
  const native = {type: "native"} as const;
  const seller = a.publicKey();
  // 100 USD for DIAM at 1/2: sells 100, buys 50. 99 DIAM for USD at 2/3: sells 99, buys 66.
  putOffer(l, {sellerId: seller, offerId: 7n, selling: credit(usd), buying: native, amount: 100n, price: {n: 1, d: 2}}, 100n, 50n);
  putOffer(l, {sellerId: seller, offerId: 9n, selling: native, buying: credit(usd), amount: 99n, price: {n: 2, d: 3}}, 99n, 66n);
  putOffer(l, {sellerId: seller, offerId: 8n, selling: native, buying: credit(eur), amount: 40n, price: {n: 1, d: 1}}, 40n, 40n);
  const subBefore = l.account(seller)!.numSubEntries;

  // Stepping down to maintain-liabilities keeps the offers.
  let r = run(l, issuer, [Operation.setTrustLineFlags({trustor: seller, asset: usd, flags: {authorized: false, authorizedToMaintainLiabilities: true}})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.ok(l.entries.has(offerKey(7n)) && l.entries.has(offerKey(9n)));

  r = run(l, issuer, [Operation.allowTrust({trustor: seller, assetCode: "USD", authorize: 0})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(l.entries.has(offerKey(7n)), false);
  assert.equal(l.entries.has(offerKey(9n)), false);
  assert.ok(l.entries.has(offerKey(8n)));
  const t = line(l, a, usd)!;
  assert.equal(t.flags, 0);
  assert.equal(t.sellingLiabilities, 0n);
  assert.equal(t.buyingLiabilities, 0n);
  assert.equal(t.balance, 300n * D); // frozen, not taken
  const acc = l.account(seller)!;
  assert.equal(acc.sellingLiabilities, 40n);
  assert.equal(acc.buyingLiabilities, 0n);
  assert.equal(acc.numSubEntries, subBefore - 2);
  assert.equal(line(l, a, eur)!.buyingLiabilities, 40n);
});

test("revocation through set_trust_line_flags pulls offers too; a failed tx puts them back", () => {
  const {l, issuer, a, usd} = setup({revocable: true});
  run(l, a, [Operation.changeTrust({asset: usd})]);
  run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "10"})]);
  putOffer(l, {sellerId: a.publicKey(), offerId: 3n, selling: credit(usd), buying: {type: "native"}, amount: 10n * D, price: {n: 3, d: 1}}, 10n * D, 30n * D);
  // Revocation then a failing op in the same tx: everything rolls back.
  let r = run(l, issuer, [
    Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: false}}),
    Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}),
  ]);
  assert.deepEqual(opCodes(r), ["op_success", "op_no_destination"]);
  assert.ok(l.entries.has(offerKey(3n)));
  assert.equal(line(l, a, usd)!.sellingLiabilities, 10n * D);
  r = run(l, issuer, [Operation.setTrustLineFlags({trustor: a.publicKey(), asset: usd, flags: {authorized: false}})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(l.entries.has(offerKey(3n)), false);
  assert.equal(line(l, a, usd)!.sellingLiabilities, 0n);
  assert.equal(l.account(a.publicKey())!.buyingLiabilities, 0n);
});

test("set_options account flags: unknown bits, AUTH_IMMUTABLE blocks changes, clawback needs revocable", () => {
  const {l, issuer} = setup();
  const unknown = l.build(issuer, [Operation.setOptions({setFlags: flags(16)})]);
  assert.deepEqual(l.check(unknown)!.resultCodes.operations, ["op_unknown_flag"]);
  let r = run(l, issuer, [Operation.setOptions({setFlags: flags(8)})]);
  assert.deepEqual(opCodes(r), ["op_auth_revocable_required"]);
  assert.equal(opXdr(r).setOptionsResult().switch().name, "setOptionsAuthRevocableRequired");
  assert.equal(l.account(issuer.publicKey())!.flags, 0);
  r = run(l, issuer, [Operation.setOptions({setFlags: flags(10)})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  r = run(l, issuer, [Operation.setOptions({clearFlags: flags(2)})]);
  assert.deepEqual(opCodes(r), ["op_auth_revocable_required"]);
  r = run(l, issuer, [Operation.setOptions({setFlags: flags(5)})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(l.account(issuer.publicKey())!.flags, 15);
  r = run(l, issuer, [Operation.setOptions({clearFlags: flags(1)})]);
  assert.deepEqual(opCodes(r), ["op_cant_change"]);
  assert.equal(opXdr(r).setOptionsResult().switch().name, "setOptionsCantChange");
  r = run(l, issuer, [Operation.setOptions({homeDomain: "usd.example"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(l.account(issuer.publicKey())!.flags, 15);
});

test("clawback: issuer only, clawback-enabled lines only, not beyond what offers leave; the supply drops", () => {
  const {l, issuer, a, b, usd} = setup({clawback: true});
  const eurIssuer = Keypair.random();
  l.fund([eurIssuer], "100");
  const eur = new Asset("EUR", eurIssuer.publicKey());
  run(l, a, [Operation.changeTrust({asset: usd}), Operation.changeTrust({asset: eur})]);
  run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "50"})]);
  run(l, eurIssuer, [Operation.payment({destination: a.publicKey(), asset: eur, amount: "50"})]);

  let r = run(l, issuer, [Operation.clawback({asset: usd, from: a.publicKey(), amount: "20"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(opXdr(r).clawbackResult().switch().name, "clawbackSuccess");
  assert.equal(line(l, a, usd)!.balance, 30n * D);
  assert.equal(supply(l, usd), 30n * D);

  r = run(l, issuer, [Operation.clawback({asset: usd, from: b.publicKey(), amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_no_trust"]);
  assert.equal(opXdr(r).clawbackResult().switch().name, "clawbackNoTrust");
  r = run(l, eurIssuer, [Operation.clawback({asset: eur, from: a.publicKey(), amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_not_clawback_enabled"]);
  assert.equal(opXdr(r).clawbackResult().switch().name, "clawbackNotClawbackEnabled");
  r = run(l, b, [Operation.clawback({asset: usd, from: a.publicKey(), amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_malformed"]);
  assert.equal(opXdr(r).clawbackResult().switch().name, "clawbackMalformed");
  r = run(l, issuer, [Operation.clawback({asset: usd, from: a.publicKey(), amount: "30.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_underfunded"]);
  assert.equal(opXdr(r).clawbackResult().switch().name, "clawbackUnderfunded");

  // An open offer selling 10 USD keeps 10 on the line; a frozen line can still be clawed back.
  putOffer(l, {sellerId: a.publicKey(), offerId: 1n, selling: credit(usd), buying: {type: "native"}, amount: 10n * D, price: {n: 1, d: 1}}, 10n * D, 10n * D);
  r = run(l, issuer, [Operation.clawback({asset: usd, from: a.publicKey(), amount: "20.0000001"})]);
  assert.deepEqual(opCodes(r), ["op_underfunded"]);
  r = run(l, issuer, [Operation.allowTrust({trustor: a.publicKey(), assetCode: "USD", authorize: 2}), Operation.clawback({asset: usd, from: a.publicKey(), amount: "20"})]);
  assert.deepEqual(opCodes(r), ["op_success", "op_success"]);
  assert.equal(line(l, a, usd)!.balance, 10n * D);

  // A line opened before the issuer enabled clawback is not clawback-enabled.
  run(l, eurIssuer, [Operation.setOptions({setFlags: flags(10)})]);
  run(l, b, [Operation.changeTrust({asset: eur})]);
  assert.equal(line(l, b, eur)!.flags, AUTHORIZED_FLAG | TRUSTLINE_CLAWBACK_ENABLED_FLAG);
  r = run(l, eurIssuer, [Operation.clawback({asset: eur, from: a.publicKey(), amount: "1"})]);
  assert.deepEqual(opCodes(r), ["op_not_clawback_enabled"]);
});

test("account_merge: trustlines are sub-entries (op_has_sub_entries); a sponsor cannot merge (op_is_sponsor)", () => {
  const {l, a, b, usd} = setup();
  run(l, a, [Operation.changeTrust({asset: usd})]);
  let r = run(l, a, [Operation.accountMerge({destination: b.publicKey()})]);
  assert.deepEqual(opCodes(r), ["op_has_sub_entries"]);
  assert.equal(opXdr(r).accountMergeResult().switch().name, "accountMergeHasSubEntries");
  run(l, a, [Operation.changeTrust({asset: usd, limit: "0"})]);
  // a sponsors one claimable balance reserve (as create_claimable_balance leaves it).
  const acc = l.account(a.publicKey())!;
  l.entries.set("a:" + a.publicKey(), {...acc, numSponsoring: 1});
  l.header = {...l.header, seq: l.header.seq + 1}; // keep seqNum below the next ledger's start
  r = run(l, a, [Operation.accountMerge({destination: b.publicKey()})]);
  assert.deepEqual(opCodes(r), ["op_is_sponsor"]);
  assert.equal(opXdr(r).accountMergeResult().switch().name, "accountMergeIsSponsor");
  l.entries.set("a:" + a.publicKey(), {...l.account(a.publicKey())!, numSponsoring: 0});
  r = run(l, a, [Operation.accountMerge({destination: b.publicKey()})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(l.account(a.publicKey()), undefined);
});

test("after the issuer merged away: a limit change is op_no_issuer, but holders can still pay it back (burn) and close the line", () => {
  const {l, issuer, a, b, usd} = setup();
  run(l, a, [Operation.changeTrust({asset: usd, limit: "100"})]);
  run(l, issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "5"})]);
  l.header = {...l.header, seq: l.header.seq + 1}; // keep the issuer's seqNum below the next ledger's start
  assert.deepEqual(opCodes(run(l, issuer, [Operation.accountMerge({destination: b.publicKey()})])), ["op_success"]);
  assert.equal(l.account(issuer.publicKey()), undefined);
  let r = run(l, a, [Operation.changeTrust({asset: usd, limit: "200"})]);
  assert.deepEqual(opCodes(r), ["op_no_issuer"]);
  assert.equal(line(l, a, usd)!.limit, 100n * D);
  r = run(l, a, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "5"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(supply(l, usd), 0n);
  r = run(l, a, [Operation.changeTrust({asset: usd, limit: "0"})]);
  assert.deepEqual(opCodes(r), ["op_success"]);
  assert.equal(line(l, a, usd), undefined);
});
