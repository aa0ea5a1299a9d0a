import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type ClawbackOp = Operation & {type: "clawback"};

export function clawbackSuccess(): OpResult {
  return opInner("op_success", xdr.OperationResultTr.clawback(xdr.ClawbackResult.clawbackSuccess()));
}

export function checkClawback(op: ClawbackOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyClawback(op: ClawbackOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
