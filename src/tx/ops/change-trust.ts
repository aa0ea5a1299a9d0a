/**
 * change_trust: an account opens, resizes or closes its line to an issued asset, as stellar-core's
 * ChangeTrustOpFrame (latest protocol; pool-share lines are not supported by this ledger).
 */
import {xdr} from "@stellar/stellar-base";
import {AUTH_CLAWBACK_ENABLED_FLAG, AUTH_REQUIRED_FLAG, AUTHORIZED_FLAG, TRUSTLINE_CLAWBACK_ENABLED_FLAG, trustLineKey, type TrustLineEntry} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, opTooManySubentries, type OpResult} from "../results.js";
import {addSubEntries, type OpContext} from "./context.js";
import {loadTrustLine} from "./balances.js";
import {isAssetValid} from "./trust.js";

export type ChangeTrustOp = Operation & {type: "change_trust"};

function result(code: string, r: xdr.ChangeTrustResult): OpResult {
  return opInner(code, xdr.OperationResultTr.changeTrust(r));
}

export function changeTrustSuccess(): OpResult {
  return result("op_success", xdr.ChangeTrustResult.changeTrustSuccess());
}

function malformed(): OpResult {
  return result("op_malformed", xdr.ChangeTrustResult.changeTrustMalformed());
}

/** Stateless validity: a non-negative limit on a valid credit asset that the source does not issue. */
export function checkChangeTrust(op: ChangeTrustOp, source: string): OpResult | null {
  if (op.limit < 0n || !isAssetValid(op.line) || op.line.type === "native") return malformed();
  if (op.line.issuer === source) return malformed();
  return null;
}

/**
 * An existing line takes the new limit, which may not drop below balance + buying liabilities
 * (so a limit of 0, which deletes the line and gives back its reserve, needs an empty line with
 * no open buy offers); the issuer must still exist unless the line is being deleted. A new line
 * needs a non-zero limit, an existing issuer and one more base reserve; it starts authorized
 * unless the issuer requires authorization, and clawback-enabled when the issuer has clawback.
 */
export function applyChangeTrust(op: ChangeTrustOp, ctx: OpContext): OpResult {
  const bad = checkChangeTrust(op, ctx.source);
  if (bad) return bad;
  if (op.line.type === "native") return malformed();
  const asset = op.line;
  const {ltx} = ctx;
  const line = loadTrustLine(ltx, ctx.source, asset);
  if (line !== undefined) {
    if (op.limit < line.balance + line.buyingLiabilities) {
      return result("op_invalid_limit", xdr.ChangeTrustResult.changeTrustInvalidLimit());
    }
    if (op.limit === 0n) {
      const acc = ltx.loadAccount(ctx.source)!;
      addSubEntries(acc, -1, ctx.baseReserve);
      ltx.erase(trustLineKey(ctx.source, asset));
      return changeTrustSuccess();
    }
    if (ltx.getAccount(asset.issuer) === undefined) return result("op_no_issuer", xdr.ChangeTrustResult.changeTrustNoIssuer());
    line.limit = op.limit;
    return changeTrustSuccess();
  }
  if (op.limit === 0n) return result("op_invalid_limit", xdr.ChangeTrustResult.changeTrustInvalidLimit());
  const issuer = ltx.getAccount(asset.issuer);
  if (issuer === undefined) return result("op_no_issuer", xdr.ChangeTrustResult.changeTrustNoIssuer());
  let flags = 0;
  if ((issuer.flags & AUTH_REQUIRED_FLAG) === 0) flags |= AUTHORIZED_FLAG;
  if ((issuer.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0) flags |= TRUSTLINE_CLAWBACK_ENABLED_FLAG;
  const acc = ltx.loadAccount(ctx.source)!;
  const added = addSubEntries(acc, 1, ctx.baseReserve);
  if (added === "low_reserve") return result("op_low_reserve", xdr.ChangeTrustResult.changeTrustLowReserve());
  if (added === "too_many_subentries") return opTooManySubentries();
  const entry: TrustLineEntry = {
    type: "trustline",
    accountId: ctx.source,
    asset,
    balance: 0n,
    limit: op.limit,
    flags,
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    lastModifiedLedger: ctx.ledgerSeq,
  };
  ltx.put(entry);
  return changeTrustSuccess();
}
