import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type ChangeTrustOp = Operation & {type: "change_trust"};

export function changeTrustSuccess(): OpResult {
  return opInner("op_success", xdr.OperationResultTr.changeTrust(xdr.ChangeTrustResult.changeTrustSuccess()));
}

export function checkChangeTrust(op: ChangeTrustOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyChangeTrust(op: ChangeTrustOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
