/**
 * Horizon's effects of the trust, DEX and escrow operations, derived from operation, result and
 * meta as stellar-core writes them (meta built by the node's own XDR encoder).
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Claimant, Keypair, Operation as SdkOperation, TransactionBuilder, xdr} from "@stellar/stellar-sdk";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {entryChangesXdr, type EntryDelta} from "../../../src/ledger/meta.js";
import {storedTxOf} from "../../../src/store/records.js";
import {storedOp} from "../../../src/store/ledger-store.js";
import {effectRecord, operationEffects, type Effect, type TxOutcomeXdr} from "../../../src/api/format/effect.js";
import type {ClaimableBalanceEntry, TrustLineEntry} from "../../../src/ledger/types.js";
import {PASSPHRASE, claimAtom as atom} from "./store-ledger.js";

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 61));
const alice = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 62));
const bob = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 63));
const USD = new Asset("USD", anchor.publicKey());
const EUR = new Asset("EUR", anchor.publicKey());
const usd = {type: "credit_alphanum4" as const, code: "USD", issuer: anchor.publicKey()};
const USD_FIELDS = {asset_type: "credit_alphanum4", asset_code: "USD", asset_issuer: anchor.publicKey()};

/** Effects of a 1-op successful tx from `source`, with its result and per-op meta deltas. */
function effectsOf(op: xdr.Operation, source: Keypair, result: xdr.OperationResult | undefined, deltas: EntryDelta[] = []): Effect[] {
  const tx = new TransactionBuilder(new Account(source.publicKey(), "10"), {fee: "100", networkPassphrase: PASSPHRASE}).addOperation(op).setTimeout(0).build();
  const frame = decodeTxFrame(tx.toEnvelope().toXDR(), networkIdOf(PASSPHRASE));
  const stx = storedTxOf(frame, {ledger: 7, index: 1, closedAt: 1_700_000_000, feeCharged: 100n, successful: true, resultCodes: {transaction: "tx_success"}, result: Buffer.alloc(0)});
  const outcome: TxOutcomeXdr = {
    opResults: result === undefined ? [] : [result],
    opMeta: (i) => (i === 0 ? new xdr.OperationMeta({changes: entryChangesXdr(deltas, 7)}) : undefined),
  };
  return operationEffects(storedOp(stx, 1)!, outcome);
}

function line(account: Keypair, limit: bigint, flags = 0): TrustLineEntry {
  return {type: "trustline", accountId: account.publicKey(), asset: usd, balance: 0n, limit, flags, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 3};
}

const brief = (effects: Effect[]) => effects.map((e) => [e.account, e.type, e.details]);

describe("effects of the new operations", () => {
  it("payments in credit credit and debit the asset", () => {
    const e = effectsOf(SdkOperation.payment({destination: bob.publicKey(), asset: USD, amount: "3"}), alice, undefined);
    assert.deepEqual(brief(e), [
      [bob.publicKey(), "account_credited", {amount: "3.0000000", ...USD_FIELDS}],
      [alice.publicKey(), "account_debited", {amount: "3.0000000", ...USD_FIELDS}],
    ]);
  });

  it("a manage sell offer that crosses has a trade effect per side of each claimed offer", () => {
    const result = xdr.OperationResult.opInner(
      xdr.OperationResultTr.manageSellOffer(
        xdr.ManageSellOfferResult.manageSellOfferSuccess(
          new xdr.ManageOfferSuccessResult({
            // bob's offer 8 sold 2 EUR to alice for 3 USD; an empty atom is skipped.
            offersClaimed: [atom(bob, 8, EUR, 20_000_000, USD, 30_000_000), atom(bob, 9, EUR, 0, USD, 0)],
            offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted(),
          }),
        ),
      ),
    );
    const e = effectsOf(SdkOperation.manageSellOffer({selling: USD, buying: EUR, amount: "3", price: "0.6"}), alice, result);
    assert.deepEqual(brief(e), [
      [
        alice.publicKey(),
        "trade",
        {seller: bob.publicKey(), offer_id: "8", sold_amount: "3.0000000", sold_asset_type: "credit_alphanum4", sold_asset_code: "USD", sold_asset_issuer: anchor.publicKey(), bought_amount: "2.0000000", bought_asset_type: "credit_alphanum4", bought_asset_code: "EUR", bought_asset_issuer: anchor.publicKey()},
      ],
      [
        bob.publicKey(),
        "trade",
        {seller: alice.publicKey(), offer_id: "8", sold_amount: "2.0000000", sold_asset_type: "credit_alphanum4", sold_asset_code: "EUR", sold_asset_issuer: anchor.publicKey(), bought_amount: "3.0000000", bought_asset_type: "credit_alphanum4", bought_asset_code: "USD", bought_asset_issuer: anchor.publicKey()},
      ],
    ]);
    const rec = effectRecord({id: "30064775169", closedAt: 1_700_000_000} as never, e[0]!, "http://h");
    assert.equal(rec.type_i, 33);
    assert.equal(rec.paging_token, "30064775169-1");
  });

  it("a strict-send path payment credits what arrived, debits what was sent, then trades", () => {
    const result = xdr.OperationResult.opInner(
      xdr.OperationResultTr.pathPaymentStrictSend(
        xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
          new xdr.PathPaymentStrictSendResultSuccess({
            offers: [atom(bob, 4, Asset.native(), 70_000_000, USD, 10_000_000), atom(anchor, 5, EUR, 6_000_000, Asset.native(), 70_000_000)],
            last: new xdr.SimplePaymentResult({destination: xdr.PublicKey.publicKeyTypeEd25519(bob.rawPublicKey()), asset: EUR.toXDRObject(), amount: new xdr.Int64(6_000_000)}),
          }),
        ),
      ),
    );
    const e = effectsOf(SdkOperation.pathPaymentStrictSend({sendAsset: USD, sendAmount: "1", destination: bob.publicKey(), destAsset: EUR, destMin: "0.5", path: [Asset.native()]}), alice, result);
    assert.deepEqual(e.map((x) => [x.account, x.type]), [
      [bob.publicKey(), "account_credited"],
      [alice.publicKey(), "account_debited"],
      [alice.publicKey(), "trade"],
      [bob.publicKey(), "trade"],
      [alice.publicKey(), "trade"],
      [anchor.publicKey(), "trade"],
    ]);
    assert.equal(e[0]!.details.amount, "0.6000000");
    assert.equal(e[0]!.details.asset_code, "EUR");
    assert.equal(e[1]!.details.amount, "1.0000000");
    assert.equal(e[1]!.details.asset_code, "USD");
  });

  it("change_trust: created, updated or removed from the meta; nothing when no line changed", () => {
    const op = SdkOperation.changeTrust({asset: USD, limit: "50"});
    const created = effectsOf(op, alice, undefined, [{before: null, after: line(alice, 500_000_000n)}]);
    assert.deepEqual(brief(created), [[alice.publicKey(), "trustline_created", {...USD_FIELDS, limit: "50.0000000"}]]);
    const updated = effectsOf(op, alice, undefined, [{before: line(alice, 1n), after: line(alice, 500_000_000n)}]);
    assert.equal(updated[0]!.type, "trustline_updated");
    const removed = effectsOf(SdkOperation.changeTrust({asset: USD, limit: "0"}), alice, undefined, [{before: line(alice, 1n), after: null}]);
    assert.deepEqual(brief(removed), [[alice.publicKey(), "trustline_removed", {...USD_FIELDS, limit: "0.0000000"}]]);
    assert.deepEqual(effectsOf(op, alice, undefined, []), []);
  });

  it("allow_trust and set_trust_line_flags report authorization and flag changes", () => {
    const auth = effectsOf(SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 1}), anchor, undefined);
    assert.deepEqual(brief(auth), [
      [anchor.publicKey(), "trustline_authorized", {trustor: bob.publicKey(), asset_type: "credit_alphanum4", asset_code: "USD"}],
      [anchor.publicKey(), "trustline_flags_updated", {trustor: bob.publicKey(), ...USD_FIELDS, authorized_flag: true}],
    ]);
    const deauth = effectsOf(SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 0}), anchor, undefined);
    assert.deepEqual(deauth.map((x) => x.type), ["trustline_deauthorized", "trustline_flags_updated"]);
    assert.deepEqual(deauth[1]!.details, {trustor: bob.publicKey(), ...USD_FIELDS, authorized_flag: false, authorized_to_maintain_liabilites_flag: false});
    const maintain = effectsOf(SdkOperation.allowTrust({trustor: bob.publicKey(), assetCode: "USD", authorize: 2}), anchor, undefined);
    assert.equal(maintain[0]!.type, "trustline_authorized_to_maintain_liabilities");
    const flags = effectsOf(SdkOperation.setTrustLineFlags({trustor: bob.publicKey(), asset: USD, flags: {authorized: false, clawbackEnabled: false}}), anchor, undefined);
    assert.deepEqual(brief(flags), [[anchor.publicKey(), "trustline_flags_updated", {trustor: bob.publicKey(), ...USD_FIELDS, authorized_flag: false, clawback_enabled_flag: false}]]);
  });

  it("clawback credits the issuer and debits the holder", () => {
    const e = effectsOf(SdkOperation.clawback({asset: USD, from: bob.publicKey(), amount: "2"}), anchor, undefined);
    assert.deepEqual(brief(e), [
      [anchor.publicKey(), "account_credited", {amount: "2.0000000", ...USD_FIELDS}],
      [bob.publicKey(), "account_debited", {amount: "2.0000000", ...USD_FIELDS}],
    ]);
  });

  it("claimable balances: created with its claimants and sponsorship; claimed; clawed back", () => {
    const id = "cd".repeat(32);
    const entry: ClaimableBalanceEntry = {
      type: "claimable_balance",
      balanceId: id,
      claimants: [{destination: bob.publicKey(), predicate: {type: "before_absolute_time", time: 1_700_000_060n}}],
      asset: usd,
      amount: 15_000_000n,
      flags: 0,
      sponsor: alice.publicKey(),
      lastModifiedLedger: 7,
    };
    const create = effectsOf(
      SdkOperation.createClaimableBalance({asset: USD, amount: "1.5", claimants: [new Claimant(bob.publicKey(), Claimant.predicateBeforeRelativeTime("60"))]}),
      alice,
      undefined,
      [{before: null, after: entry}],
    );
    const bid = "00000000" + id;
    assert.deepEqual(brief(create), [
      [alice.publicKey(), "claimable_balance_created", {asset: `USD:${anchor.publicKey()}`, balance_id: bid, amount: "1.5000000"}],
      // The claimant's predicate as the operation gave it (relative), not as the entry holds it.
      [bob.publicKey(), "claimable_balance_claimant_created", {asset: `USD:${anchor.publicKey()}`, balance_id: bid, amount: "1.5000000", predicate: {rel_before: "60"}}],
      [alice.publicKey(), "account_debited", {amount: "1.5000000", ...USD_FIELDS}],
      [alice.publicKey(), "claimable_balance_sponsorship_created", {balance_id: bid, sponsor: alice.publicKey()}],
    ]);
    const claim = effectsOf(SdkOperation.claimClaimableBalance({balanceId: bid}), bob, undefined, [{before: entry, after: null}]);
    assert.deepEqual(brief(claim), [
      [bob.publicKey(), "claimable_balance_claimed", {asset: `USD:${anchor.publicKey()}`, balance_id: bid, amount: "1.5000000"}],
      [bob.publicKey(), "account_credited", {amount: "1.5000000", ...USD_FIELDS}],
      [bob.publicKey(), "claimable_balance_sponsorship_removed", {balance_id: bid, former_sponsor: alice.publicKey()}],
    ]);
    const clawed = effectsOf(SdkOperation.clawbackClaimableBalance({balanceId: bid}), anchor, undefined, [{before: entry, after: null}]);
    assert.deepEqual(brief(clawed), [
      [anchor.publicKey(), "claimable_balance_clawed_back", {balance_id: bid}],
      [anchor.publicKey(), "account_credited", {amount: "1.5000000", ...USD_FIELDS}],
      [anchor.publicKey(), "claimable_balance_sponsorship_removed", {balance_id: bid, former_sponsor: alice.publicKey()}],
    ]);
  });
});
