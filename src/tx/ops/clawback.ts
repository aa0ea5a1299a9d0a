/** clawback: an issuer takes its asset back out of a holder's line (CAP-35), burning it. */
import {xdr} from "@stellar/stellar-base";
import {assetKey, TRUSTLINE_CLAWBACK_ENABLED_FLAG} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";
import {loadTrustLine} from "./balances.js";
import {isAssetValid} from "./trust.js";

export type ClawbackOp = Operation & {type: "clawback"};

function result(code: string, r: xdr.ClawbackResult): OpResult {
  return opInner(code, xdr.OperationResultTr.clawback(r));
}

export function clawbackSuccess(): OpResult {
  return result("op_success", xdr.ClawbackResult.clawbackSuccess());
}

/** Stateless validity: the source issues the (credit) asset, takes from someone else, a positive amount. */
export function checkClawback(op: ClawbackOp, source: string): OpResult | null {
  if (op.from === source || op.amount < 1n || op.asset.type === "native" || !isAssetValid(op.asset) || op.asset.issuer !== source) {
    return result("op_malformed", xdr.ClawbackResult.clawbackMalformed());
  }
  return null;
}

/**
 * The holder's line must exist and carry TRUSTLINE_CLAWBACK_ENABLED (set when the line was opened
 * while the issuer had AUTH_CLAWBACK_ENABLED). Authorization does not matter; the amount must
 * leave the line's selling liabilities covered (an open offer is never left unbacked).
 */
export function applyClawback(op: ClawbackOp, ctx: OpContext): OpResult {
  const bad = checkClawback(op, ctx.source);
  if (bad) return bad;
  if (op.asset.type === "native") return result("op_malformed", xdr.ClawbackResult.clawbackMalformed());
  const line = loadTrustLine(ctx.ltx, op.from, op.asset);
  if (line === undefined) return result("op_no_trust", xdr.ClawbackResult.clawbackNoTrust());
  if ((line.flags & TRUSTLINE_CLAWBACK_ENABLED_FLAG) === 0) {
    return result("op_not_clawback_enabled", xdr.ClawbackResult.clawbackNotClawbackEnabled());
  }
  const next = line.balance - op.amount;
  if (next < 0n || next < line.sellingLiabilities) return result("op_underfunded", xdr.ClawbackResult.clawbackUnderfunded());
  line.balance = next;
  // Clawed-back credit leaves circulation: burned, as if paid back to the issuer.
  ctx.ltx.addIssued(assetKey(op.asset), -op.amount);
  return clawbackSuccess();
}
