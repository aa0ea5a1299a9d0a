/** allow_trust and set_trust_line_flags: an issuer authorizing, freezing or revoking its holders' lines. */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type AllowTrustOp = Operation & {type: "allow_trust"};
export type SetTrustLineFlagsOp = Operation & {type: "set_trust_line_flags"};

export function allowTrustSuccess(): OpResult {
  return opInner("op_success", xdr.OperationResultTr.allowTrust(xdr.AllowTrustResult.allowTrustSuccess()));
}

export function setTrustLineFlagsSuccess(): OpResult {
  return opInner("op_success", xdr.OperationResultTr.setTrustLineFlags(xdr.SetTrustLineFlagsResult.setTrustLineFlagsSuccess()));
}

export function checkAllowTrust(op: AllowTrustOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyAllowTrust(op: AllowTrustOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}

export function checkSetTrustLineFlags(op: SetTrustLineFlagsOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applySetTrustLineFlags(op: SetTrustLineFlagsOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
