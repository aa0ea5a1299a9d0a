import {xdr} from "@stellar/stellar-base";
import {newAccountEntry} from "../../ledger/entries.js";
import {accountKey} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {availableBalance, minBalance, startingSeqNum, type OpContext} from "./context.js";

export type CreateAccountOp = Operation & {type: "create_account"};

function result(code: string, r: xdr.CreateAccountResult): OpResult {
  return opInner(code, xdr.OperationResultTr.createAccount(r));
}

export function createAccountSuccess(): OpResult {
  return result("op_success", xdr.CreateAccountResult.createAccountSuccess());
}

/** Stateless validity: since protocol 14 a zero starting balance is well-formed (it then fails on reserve). */
export function checkCreateAccount(op: CreateAccountOp, source: string): OpResult | null {
  if (op.startingBalance < 0n || op.destination === source) {
    return result("op_malformed", xdr.CreateAccountResult.createAccountMalformed());
  }
  return null;
}

export function applyCreateAccount(op: CreateAccountOp, ctx: OpContext): OpResult {
  const bad = checkCreateAccount(op, ctx.source);
  if (bad) return bad;
  if (ctx.ltx.getEntry(accountKey(op.destination)) !== undefined) {
    return result("op_already_exists", xdr.CreateAccountResult.createAccountAlreadyExist());
  }
  if (op.startingBalance < minBalance(0, ctx.baseReserve)) {
    return result("op_low_reserve", xdr.CreateAccountResult.createAccountLowReserve());
  }
  const src = ctx.ltx.loadAccount(ctx.source)!;
  if (availableBalance(src, ctx.baseReserve) < op.startingBalance) {
    return result("op_underfunded", xdr.CreateAccountResult.createAccountUnderfunded());
  }
  src.balance -= op.startingBalance;
  const account = newAccountEntry(op.destination, op.startingBalance, startingSeqNum(ctx.ledgerSeq), ctx.ledgerSeq);
  ctx.ltx.put(account);
  return createAccountSuccess();
}
