import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {xdr} from "@stellar/stellar-base";
import {buildTxResult, opInner, plainSuccessResultXdr, TxCode, type OpResult} from "../../../src/tx/results.js";

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
});
