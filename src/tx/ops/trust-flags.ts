/**
 * allow_trust and set_trust_line_flags: an issuer authorizing, freezing or revoking its holders'
 * lines, as stellar-core's TrustFlagsOpFrameBase and its two subclasses (latest protocol).
 *
 * A line that loses AUTHORIZED_TO_MAINTAIN_LIABILITIES (fully revoked) can no longer back offers:
 * every offer of the holder that buys or sells the asset is removed and its liabilities released.
 */
import {xdr} from "@stellar/stellar-base";
import {
  AUTH_REVOCABLE_FLAG,
  AUTHORIZED_FLAG,
  AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG,
  MASK_TRUSTLINE_FLAGS,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG,
  type AccountId,
  type CreditAsset,
} from "../../ledger/types.js";
import {removeOffersByAccountAndAsset} from "../../dex/index.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";
import {loadTrustLine} from "./balances.js";
import {isAssetValid} from "./trust.js";

export type AllowTrustOp = Operation & {type: "allow_trust"};
export type SetTrustLineFlagsOp = Operation & {type: "set_trust_line_flags"};

/** The two authorization levels of a line; at most one may be set. */
const TRUSTLINE_AUTH_FLAGS = AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG;

function allowTrustResult(code: string, r: xdr.AllowTrustResult): OpResult {
  return opInner(code, xdr.OperationResultTr.allowTrust(r));
}

function setFlagsResult(code: string, r: xdr.SetTrustLineFlagsResult): OpResult {
  return opInner(code, xdr.OperationResultTr.setTrustLineFlags(r));
}

export function allowTrustSuccess(): OpResult {
  return allowTrustResult("op_success", xdr.AllowTrustResult.allowTrustSuccess());
}

export function setTrustLineFlagsSuccess(): OpResult {
  return setFlagsResult("op_success", xdr.SetTrustLineFlagsResult.setTrustLineFlagsSuccess());
}

/** stellar-core's trustLineFlagIsValid: known bits only, and not both authorization levels. */
function trustLineFlagIsValid(flags: number): boolean {
  return (flags & ~MASK_TRUSTLINE_FLAGS) === 0 && (flags & TRUSTLINE_AUTH_FLAGS) !== TRUSTLINE_AUTH_FLAGS;
}

function isAuthorizedToMaintainLiabilitiesFlags(flags: number): boolean {
  return (flags & TRUSTLINE_AUTH_FLAGS) !== 0;
}

/** allow_trust names the code and its kind: the asset is the source's own. */
function allowTrustAsset(op: AllowTrustOp, source: AccountId): CreditAsset {
  return {type: op.assetType, code: op.assetCode, issuer: source};
}

export function checkAllowTrust(op: AllowTrustOp, source: string): OpResult | null {
  const malformed = (): OpResult => allowTrustResult("op_malformed", xdr.AllowTrustResult.allowTrustMalformed());
  if (op.authorize < 0 || op.authorize > AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG || !trustLineFlagIsValid(op.authorize)) return malformed();
  if (op.assetCode.length === 0 || !isAssetValid(allowTrustAsset(op, source))) return malformed();
  if (op.trustor === source) return malformed();
  return null;
}

export function checkSetTrustLineFlags(op: SetTrustLineFlagsOp, source: string): OpResult | null {
  const malformed = (): OpResult => setFlagsResult("op_malformed", xdr.SetTrustLineFlagsResult.setTrustLineFlagsMalformed());
  if (op.asset.type === "native" || !isAssetValid(op.asset) || op.asset.issuer !== source) return malformed();
  if (op.trustor === source) return malformed();
  if ((op.setFlags & op.clearFlags) !== 0) return malformed();
  // Clawback can only be cleared: a holder's line is never made clawback-enabled after the fact.
  if (!trustLineFlagIsValid(op.setFlags) || (op.setFlags & TRUSTLINE_CLAWBACK_ENABLED_FLAG) !== 0) return malformed();
  if ((op.clearFlags & ~MASK_TRUSTLINE_FLAGS) !== 0) return malformed();
  return null;
}

/**
 * allow_trust replaces the line's authorization level with `authorize` (other flags stay). Without
 * AUTH_REVOCABLE on the issuer it may not revoke (authorize 0) nor step a fully authorized line
 * down to maintain-liabilities: op_cant_revoke. (op_not_required only existed before protocol 16.)
 */
export function applyAllowTrust(op: AllowTrustOp, ctx: OpContext): OpResult {
  const bad = checkAllowTrust(op, ctx.source);
  if (bad) return bad;
  const issuer = ctx.ltx.getAccount(ctx.source)!;
  const revocable = (issuer.flags & AUTH_REVOCABLE_FLAG) !== 0;
  if (!revocable && op.authorize === 0) return allowTrustResult("op_cant_revoke", xdr.AllowTrustResult.allowTrustCantRevoke());
  const asset = allowTrustAsset(op, ctx.source);
  const line = loadTrustLine(ctx.ltx, op.trustor, asset);
  if (line === undefined) return allowTrustResult("op_no_trust", xdr.AllowTrustResult.allowTrustNoTrustLine());
  const expected = (line.flags & ~TRUSTLINE_AUTH_FLAGS) | op.authorize;
  if (!revocable && (line.flags & AUTHORIZED_FLAG) !== 0 && (expected & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0) {
    return allowTrustResult("op_cant_revoke", xdr.AllowTrustResult.allowTrustCantRevoke());
  }
  if (isAuthorizedToMaintainLiabilitiesFlags(line.flags) && !isAuthorizedToMaintainLiabilitiesFlags(expected)) {
    removeOffersByAccountAndAsset(ctx.ltx, op.trustor, asset, ctx.baseReserve);
  }
  // Reloaded: removing offers released liabilities on this same line.
  loadTrustLine(ctx.ltx, op.trustor, asset)!.flags = expected;
  return allowTrustSuccess();
}

/**
 * set_trust_line_flags clears then sets flags. Without AUTH_REVOCABLE on the issuer, clearing
 * either authorization level is refused unless the same op sets AUTHORIZED (an upgrade from
 * maintain-liabilities). The result may not hold both levels: op_invalid_state.
 */
export function applySetTrustLineFlags(op: SetTrustLineFlagsOp, ctx: OpContext): OpResult {
  const bad = checkSetTrustLineFlags(op, ctx.source);
  if (bad) return bad;
  if (op.asset.type === "native") return setFlagsResult("op_malformed", xdr.SetTrustLineFlagsResult.setTrustLineFlagsMalformed());
  const asset = op.asset;
  const issuer = ctx.ltx.getAccount(ctx.source)!;
  if ((issuer.flags & AUTH_REVOCABLE_FLAG) === 0) {
    const clearingAnyAuth = (op.clearFlags & TRUSTLINE_AUTH_FLAGS) !== 0;
    const settingAuthorized = (op.setFlags & AUTHORIZED_FLAG) !== 0;
    if (clearingAnyAuth && !settingAuthorized) {
      return setFlagsResult("op_cant_revoke", xdr.SetTrustLineFlagsResult.setTrustLineFlagsCantRevoke());
    }
  }
  const line = loadTrustLine(ctx.ltx, op.trustor, asset);
  if (line === undefined) return setFlagsResult("op_no_trust", xdr.SetTrustLineFlagsResult.setTrustLineFlagsNoTrustLine());
  const expected = (line.flags & ~op.clearFlags) | op.setFlags;
  if ((expected & TRUSTLINE_AUTH_FLAGS) === TRUSTLINE_AUTH_FLAGS) {
    return setFlagsResult("op_invalid_state", xdr.SetTrustLineFlagsResult.setTrustLineFlagsInvalidState());
  }
  if (isAuthorizedToMaintainLiabilitiesFlags(line.flags) && !isAuthorizedToMaintainLiabilitiesFlags(expected)) {
    removeOffersByAccountAndAsset(ctx.ltx, op.trustor, asset, ctx.baseReserve);
  }
  loadTrustLine(ctx.ltx, op.trustor, asset)!.flags = expected;
  return setTrustLineFlagsSuccess();
}
