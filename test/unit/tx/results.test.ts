import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {xdr} from "@stellar/stellar-base";
import {buildTxResult, opInner, plainSuccessResultXdr, transactionResultBytes, TxCode, type OpResult} from "../../../src/tx/results.js";
import {claimAtomXdr} from "../../../src/dex/crossing.js";

/** Each operation whose success arm is void, with its success result built through js-xdr. */
const VOID_SUCCESSES: Array<[type: string, tr: () => xdr.OperationResultTr]> = [
  ["create_account", () => xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountSuccess())],
  ["payment", () => xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSuccess())],
  ["set_options", () => xdr.OperationResultTr.setOptions(xdr.SetOptionsResult.setOptionsSuccess())],
  ["change_trust", () => xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustSuccess())],
  ["allow_trust", () => xdr.OperationResultTr.allowTrust(xdr.AllowTrustResult.allowTrustSuccess())],
  ["manage_data", () => xdr.OperationResultTr.manageData(xdr.ManageDataResult.manageDataSuccess())],
  ["bump_sequence", () => xdr.OperationResultTr.bumpSequence(xdr.BumpSequenceResult.bumpSequenceSuccess())],
  ["claim_claimable_balance", () => xdr.OperationResultTr.claimClaimableBalance(xdr.ClaimClaimableBalanceResult.claimClaimableBalanceSuccess())],
  ["clawback", () => xdr.OperationResultTr.clawback(xdr.ClawbackResult.clawbackSuccess())],
  ["clawback_claimable_balance", () => xdr.OperationResultTr.clawbackClaimableBalance(xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceSuccess())],
  ["set_trust_line_flags", () => xdr.OperationResultTr.setTrustLineFlags(xdr.SetTrustLineFlagsResult.setTrustLineFlagsSuccess())],
];

function viaJsXdr(fee: bigint, types: Array<[string, () => xdr.OperationResultTr]>): Buffer {
  const ops: OpResult[] = types.map(([, tr]) => opInner("op_success", tr()));
  return buildTxResult(fee, {code: TxCode.Success, ops}, null).xdr.toXDR();
}

describe("plain success results", () => {
  it("writes the bytes js-xdr encodes for every operation with a void success, one by one and together", () => {
    for (const entry of VOID_SUCCESSES) {
      const direct = plainSuccessResultXdr(100n, [{type: entry[0]}]);
      assert.ok(direct, entry[0]);
      assert.ok(direct.equals(viaJsXdr(100n, [entry])), entry[0]);
    }
    const all = plainSuccessResultXdr(9_223_372_036_854_775_807n, VOID_SUCCESSES.map(([type]) => ({type})));
    assert.ok(all?.equals(viaJsXdr(9_223_372_036_854_775_807n, VOID_SUCCESSES)));
    const none = plainSuccessResultXdr(0n, []);
    assert.ok(none?.equals(viaJsXdr(0n, [])));
  });

  it("has no direct form for an operation whose success carries a body", () => {
    assert.equal(plainSuccessResultXdr(100n, [{type: "payment"}, {type: "manage_sell_offer"}]), null);
    assert.equal(plainSuccessResultXdr(100n, [{type: "account_merge"}]), null);
    assert.equal(plainSuccessResultXdr(100n, [{type: "path_payment_strict_send"}]), null);
  });
  it("serializes a result to js-xdr's bytes in a buffer of its own, however long the result", () => {
    const seller = "GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H";
    const atom = (i: number) =>
      claimAtomXdr({sellerId: seller, offerId: BigInt(i + 1), assetSold: {type: "native"}, amountSold: 10n + BigInt(i), assetBought: {type: "credit_alphanum4", code: "USD", issuer: seller}, amountBought: 7n});
    const offerResult = (atoms: number): OpResult =>
      opInner(
        "op_success",
        xdr.OperationResultTr.pathPaymentStrictSend(
          xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
            new xdr.PathPaymentStrictSendResultSuccess({offers: Array.from({length: atoms}, (_, i) => atom(i)), last: new xdr.SimplePaymentResult({destination: xdr.PublicKey.publicKeyTypeEd25519(Buffer.alloc(32, 7)), asset: xdr.Asset.assetTypeNative(), amount: xdr.Int64.fromString("5")})}),
          ),
        ),
      );
    const small = buildTxResult(100n, {code: TxCode.Success, ops: [offerResult(2)]}, null).xdr;
    // ~200 atoms: past the scratch space, so the writer grows a buffer of its own.
    const large = buildTxResult(100n, {code: TxCode.Success, ops: [offerResult(200)]}, null).xdr;
    const bump = buildTxResult(200n, {code: TxCode.Failed, ops: [offerResult(1)]}, {innerHash: Buffer.alloc(32, 9)}).xdr;
    const first = transactionResultBytes(small);
    const kept = Buffer.from(first);
    for (const r of [small, large, bump]) {
      const bytes = transactionResultBytes(r);
      assert.ok(bytes.equals(r.toXDR()), "the bytes js-xdr writes");
    }
    assert.ok(large.toXDR().length > 16 * 1024);
    assert.ok(first.equals(kept), "a later result does not overwrite an earlier one");
  });
});
