import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset as SdkAsset, Keypair, xdr} from "@stellar/stellar-base";
import {ledgerEntryXdr, ledgerKeyXdr} from "../../../src/ledger/meta.js";
import type {ClaimableBalanceEntry, OfferEntry, TrustLineEntry} from "../../../src/ledger/types.js";

const holder = Keypair.random().publicKey();
const issuer = Keypair.random().publicKey();

describe("ledger entries as XDR", () => {
  it("writes a trustline with its liabilities, decodable by stellar-base", () => {
    const t: TrustLineEntry = {
      type: "trustline",
      accountId: holder,
      asset: {type: "credit_alphanum12", code: "DIAMOND", issuer},
      balance: 5n,
      limit: 9_223_372_036_854_775_807n,
      flags: 1,
      buyingLiabilities: 2n,
      sellingLiabilities: 3n,
      lastModifiedLedger: 7,
    };
    const back = xdr.LedgerEntry.fromXDR(ledgerEntryXdr(t).toXDR());
    const tl = back.data().trustLine();
    assert.equal(back.lastModifiedLedgerSeq(), 7);
    assert.ok(SdkAsset.fromOperation(tl.asset() as unknown as xdr.Asset).equals(new SdkAsset("DIAMOND", issuer)));
    assert.equal(tl.limit().toString(), "9223372036854775807");
    assert.equal(tl.ext().v1().liabilities().buying().toString(), "2");
    assert.equal(tl.ext().v1().liabilities().selling().toString(), "3");
    assert.equal(ledgerKeyXdr(t).trustLine().accountId().value().length, 32);
  });

  it("writes an offer and a sponsored claimable balance", () => {
    const o: OfferEntry = {type: "offer", sellerId: holder, offerId: 42n, selling: {type: "native"}, buying: {type: "credit_alphanum4", code: "USD", issuer}, amount: 10n, price: {n: 7, d: 11}, flags: 1, lastModifiedLedger: 3};
    const ox = xdr.LedgerEntry.fromXDR(ledgerEntryXdr(o).toXDR()).data().offer();
    assert.equal(ox.offerId().toString(), "42");
    assert.equal(ox.price().n(), 7);
    assert.equal(ox.price().d(), 11);
    assert.equal(ox.flags(), 1);

    const c: ClaimableBalanceEntry = {
      type: "claimable_balance",
      balanceId: "ab".repeat(32),
      claimants: [{destination: holder, predicate: {type: "and", predicates: [{type: "not", predicate: {type: "before_absolute_time", time: 100n}}, {type: "unconditional"}]}}],
      asset: {type: "native"},
      amount: 50n,
      flags: 1,
      sponsor: issuer,
      lastModifiedLedger: 4,
    };
    const cx = xdr.LedgerEntry.fromXDR(ledgerEntryXdr(c).toXDR());
    assert.equal(cx.data().claimableBalance().balanceId().v0().toString("hex"), c.balanceId);
    const pred = cx.data().claimableBalance().claimants()[0]!.v0().predicate();
    assert.equal(pred.andPredicates()[0]!.notPredicate()!.absBefore().toString(), "100");
    assert.equal(cx.data().claimableBalance().ext().v1().flags(), 1);
    assert.equal(Keypair.fromPublicKey(issuer).rawPublicKey().equals(cx.ext().v1().sponsoringId()!.value()), true);
  });
});
