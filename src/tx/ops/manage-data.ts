import {xdr} from "@stellar/stellar-base";
import type {DataEntry} from "../../ledger/types.js";
import {dataKey} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, opTooManySubentries, type OpResult} from "../results.js";
import {addSubEntries, isPrintableAscii, type OpContext} from "./context.js";

export type ManageDataOp = Operation & {type: "manage_data"};

/** XDR bounds of string64 / DataValue. */
const MAX_NAME_LENGTH = 64;
const MAX_VALUE_LENGTH = 64;

function result(code: string, r: xdr.ManageDataResult): OpResult {
  return opInner(code, xdr.OperationResultTr.manageData(r));
}

export function manageDataSuccess(): OpResult {
  return result("op_success", xdr.ManageDataResult.manageDataSuccess());
}

export function checkManageData(op: ManageDataOp): OpResult | null {
  if (op.name.length < 1 || op.name.length > MAX_NAME_LENGTH || !isPrintableAscii(op.name)) {
    return result("op_data_invalid_name", xdr.ManageDataResult.manageDataInvalidName());
  }
  if (op.value !== null && op.value.length > MAX_VALUE_LENGTH) {
    return result("op_data_invalid_name", xdr.ManageDataResult.manageDataInvalidName());
  }
  return null;
}

/** Sets, replaces or (value null) deletes a data entry; a new entry costs one reserve. */
export function applyManageData(op: ManageDataOp, ctx: OpContext): OpResult {
  const bad = checkManageData(op);
  if (bad) return bad;
  const key = dataKey(ctx.source, op.name);
  const existing = ctx.ltx.load(key);
  if (op.value !== null) {
    if (existing === undefined) {
      const src = ctx.ltx.loadAccount(ctx.source)!;
      const added = addSubEntries(src, 1, ctx.baseReserve);
      if (added === "low_reserve") return result("op_low_reserve", xdr.ManageDataResult.manageDataLowReserve());
      if (added === "too_many_subentries") return opTooManySubentries();
      const entry: DataEntry = {type: "data", accountId: ctx.source, name: op.name, value: op.value.slice(), lastModifiedLedger: ctx.ledgerSeq};
      ctx.ltx.put(entry);
    } else if (existing.type === "data") {
      existing.value = op.value.slice();
    }
    return manageDataSuccess();
  }
  if (existing === undefined) return result("op_data_name_not_found", xdr.ManageDataResult.manageDataNameNotFound());
  ctx.ltx.erase(key);
  const src = ctx.ltx.loadAccount(ctx.source)!;
  addSubEntries(src, -1, ctx.baseReserve);
  return manageDataSuccess();
}
