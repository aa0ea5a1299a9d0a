import {xdr} from "@stellar/stellar-base";
import {accountKey, AUTH_CLAWBACK_ENABLED_FLAG, AUTH_IMMUTABLE_FLAG, AUTH_REVOCABLE_FLAG, MASK_ACCOUNT_FLAGS} from "../../ledger/types.js";
import {MAX_SIGNERS} from "../../ledger/options.js";
import type {Operation} from "../types.js";
import {opInner, opTooManySubentries, type OpResult} from "../results.js";
import {compareSignerKeys, decodeSignerKey} from "../keys.js";
import {addSubEntries, isPrintableAscii, type OpContext} from "./context.js";

export type SetOptionsOp = Operation & {type: "set_options"};

/** Stellar's account flags are all authorization flags (AUTH_REQUIRED, _REVOCABLE, _IMMUTABLE, _CLAWBACK_ENABLED). */
const ALL_ACCOUNT_FLAGS = MASK_ACCOUNT_FLAGS;

const MAX_WEIGHT = 255;
/** XDR string32. */
const MAX_HOME_DOMAIN = 32;

function result(code: string, r: xdr.SetOptionsResult): OpResult {
  return opInner(code, xdr.OperationResultTr.setOptions(r));
}

export function setOptionsSuccess(): OpResult {
  return result("op_success", xdr.SetOptionsResult.setOptionsSuccess());
}

/** High threshold when it touches who may sign (signers, weights, thresholds), else medium. */
export function setOptionsIsHigh(op: SetOptionsOp): boolean {
  return (
    op.masterWeight !== undefined ||
    op.lowThreshold !== undefined ||
    op.medThreshold !== undefined ||
    op.highThreshold !== undefined ||
    op.signer !== undefined
  );
}

export function checkSetOptions(op: SetOptionsOp, source: string): OpResult | null {
  if ((op.setFlags !== undefined && (op.setFlags & ~ALL_ACCOUNT_FLAGS) !== 0) || (op.clearFlags !== undefined && (op.clearFlags & ~ALL_ACCOUNT_FLAGS) !== 0)) {
    return result("op_unknown_flag", xdr.SetOptionsResult.setOptionsUnknownFlag());
  }
  if (op.setFlags !== undefined && op.clearFlags !== undefined && (op.setFlags & op.clearFlags) !== 0) {
    return result("op_bad_flags", xdr.SetOptionsResult.setOptionsBadFlags());
  }
  for (const t of [op.masterWeight, op.lowThreshold, op.medThreshold, op.highThreshold]) {
    if (t !== undefined && (t < 0 || t > MAX_WEIGHT)) {
      return result("op_threshold_out_of_range", xdr.SetOptionsResult.setOptionsThresholdOutOfRange());
    }
  }
  if (op.signer !== undefined) {
    const s = op.signer;
    const decoded = decodeSignerKey(s.key);
    if (decoded === null || s.key === source || s.weight < 0 || s.weight > MAX_WEIGHT) {
      return result("op_bad_signer", xdr.SetOptionsResult.setOptionsBadSigner());
    }
  }
  if (op.homeDomain !== undefined && (op.homeDomain.length > MAX_HOME_DOMAIN || !isPrintableAscii(op.homeDomain))) {
    return result("op_invalid_home_domain", xdr.SetOptionsResult.setOptionsInvalidHomeDomain());
  }
  return null;
}

/**
 * As stellar-core: inflation destination must exist (or be the source); auth flags cannot change
 * once AUTH_IMMUTABLE is set; clawback needs revocable; a signer with weight 0 is removed (a
 * no-op if absent), otherwise updated or inserted in SignerKey order, each new one costing a
 * reserve; at most 20 signers.
 */
export function applySetOptions(op: SetOptionsOp, ctx: OpContext): OpResult {
  const bad = checkSetOptions(op, ctx.source);
  if (bad) return bad;
  const acc = ctx.ltx.loadAccount(ctx.source)!;
  if (op.inflationDest !== undefined) {
    if (op.inflationDest !== ctx.source && ctx.ltx.getEntry(accountKey(op.inflationDest)) === undefined) {
      return result("op_invalid_inflation", xdr.SetOptionsResult.setOptionsInvalidInflation());
    }
    acc.inflationDest = op.inflationDest;
  }
  const immutable = (acc.flags & AUTH_IMMUTABLE_FLAG) !== 0;
  if (op.clearFlags !== undefined) {
    if ((op.clearFlags & ALL_ACCOUNT_FLAGS) !== 0 && immutable) {
      return result("op_cant_change", xdr.SetOptionsResult.setOptionsCantChange());
    }
    acc.flags &= ~op.clearFlags;
  }
  if (op.setFlags !== undefined) {
    if ((op.setFlags & ALL_ACCOUNT_FLAGS) !== 0 && immutable) {
      return result("op_cant_change", xdr.SetOptionsResult.setOptionsCantChange());
    }
    acc.flags |= op.setFlags;
  }
  // Clawback needs revocable: an issuer that can take a balance back must be able to freeze it too.
  const flagsChanged = op.setFlags !== undefined || op.clearFlags !== undefined;
  if (flagsChanged && (acc.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0 && (acc.flags & AUTH_REVOCABLE_FLAG) === 0) {
    return result("op_auth_revocable_required", xdr.SetOptionsResult.setOptionsAuthRevocableRequired());
  }
  if (op.homeDomain !== undefined) acc.homeDomain = op.homeDomain;
  if (op.masterWeight !== undefined) acc.thresholds.master = op.masterWeight;
  if (op.lowThreshold !== undefined) acc.thresholds.low = op.lowThreshold;
  if (op.medThreshold !== undefined) acc.thresholds.med = op.medThreshold;
  if (op.highThreshold !== undefined) acc.thresholds.high = op.highThreshold;
  if (op.signer !== undefined) {
    const {key, weight} = op.signer;
    const at = acc.signers.findIndex((s) => s.key === key);
    if (weight > 0) {
      if (at >= 0) {
        acc.signers[at] = {key, weight};
      } else {
        if (acc.signers.length >= MAX_SIGNERS) {
          return result("op_too_many_signers", xdr.SetOptionsResult.setOptionsTooManySigners());
        }
        const added = addSubEntries(acc, 1, ctx.baseReserve);
        if (added === "low_reserve") return result("op_low_reserve", xdr.SetOptionsResult.setOptionsLowReserve());
        if (added === "too_many_subentries") return opTooManySubentries();
        acc.signers.push({key, weight});
        acc.signers.sort((a, b) => compareSignerKeys(a.key, b.key));
      }
    } else if (at >= 0) {
      acc.signers.splice(at, 1);
      addSubEntries(acc, -1, ctx.baseReserve);
    }
  }
  return setOptionsSuccess();
}
