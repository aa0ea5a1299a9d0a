/**
 * create_claimable_balance, claim_claimable_balance and clawback_claimable_balance (CAP-23,
 * CAP-35), with stellar-core's order of checks and result codes.
 *
 * A balance is sponsored by its creator: one base reserve per claimant, counted in the
 * creator's numSponsoring until the balance is claimed or clawed back. Relative time predicates
 * are made absolute when the balance is created, so a stored predicate only compares the close
 * time with absolute times.
 */
import {createHash} from "node:crypto";
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {availableBalance, INT64_MAX, type OpContext} from "./context.js";
import {addBalance, availableToSend, holdingAuthorized, loadHolding} from "./balances.js";
import {isAssetValid} from "./trust.js";
import {rawFromAccountId} from "../keys.js";
import {LedgerError, LedgerErrorCode} from "../../ledger/errors.js";
import type {LedgerTxn} from "../../ledger/state.js";
import type {AccountId, ClaimableBalanceEntry, Claimant, ClaimPredicate} from "../../ledger/types.js";
import {
  AUTH_CLAWBACK_ENABLED_FLAG,
  claimableBalanceKey,
  CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG,
  numSponsoring,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG,
} from "../../ledger/types.js";

export type CreateClaimableBalanceOp = Operation & {type: "create_claimable_balance"};
export type ClaimClaimableBalanceOp = Operation & {type: "claim_claimable_balance"};
export type ClawbackClaimableBalanceOp = Operation & {type: "clawback_claimable_balance"};
export type ClaimableBalanceOp = CreateClaimableBalanceOp | ClaimClaimableBalanceOp | ClawbackClaimableBalanceOp;

/** Nesting limit of a predicate, as stellar-core's validatePredicate (the top level is depth 1). */
export const MAX_PREDICATE_DEPTH = 4;
/** numSponsoring (and numSponsoring + numSubEntries) are uint32 in Stellar's account extension. */
const UINT32_MAX = 0xffff_ffff;

function createResult(code: string, r: xdr.CreateClaimableBalanceResult): OpResult {
  return opInner(code, xdr.OperationResultTr.createClaimableBalance(r));
}

function claimResult(code: string, r: xdr.ClaimClaimableBalanceResult): OpResult {
  return opInner(code, xdr.OperationResultTr.claimClaimableBalance(r));
}

function clawbackResult(code: string, r: xdr.ClawbackClaimableBalanceResult): OpResult {
  return opInner(code, xdr.OperationResultTr.clawbackClaimableBalance(r));
}

function createSuccess(balanceIdHex: string): OpResult {
  return createResult(
    "op_success",
    xdr.CreateClaimableBalanceResult.createClaimableBalanceSuccess(xdr.ClaimableBalanceId.claimableBalanceIdTypeV0(Buffer.from(balanceIdHex, "hex"))),
  );
}

const ZERO_ID = "00".repeat(32);

export function claimableBalanceSuccess(op: ClaimableBalanceOp): OpResult {
  switch (op.type) {
    case "create_claimable_balance":
      // stellar-core's default-initialized result: success with an all-zero id.
      return createSuccess(ZERO_ID);
    case "claim_claimable_balance":
      return claimResult("op_success", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceSuccess());
    case "clawback_claimable_balance":
      return clawbackResult("op_success", xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceSuccess());
  }
}

/**
 * The balance id: sha256 of the XDR HashIDPreimage ENVELOPE_TYPE_OP_ID {tx source, tx seqNum,
 * op index}, as stellar-core's getBalanceID (the tx's source, not the op's; a fee-bump's inner tx).
 */
export function claimableBalanceId(txSource: AccountId, txSeqNum: bigint, opIndex: number): string {
  const preimage = xdr.HashIdPreimage.envelopeTypeOpId(
    new xdr.HashIdPreimageOperationId({
      sourceAccount: xdr.PublicKey.publicKeyTypeEd25519(rawFromAccountId(txSource)),
      seqNum: xdr.Int64.fromString(txSeqNum.toString()),
      opNum: opIndex,
    }),
  );
  return createHash("sha256").update(preimage.toXDR()).digest("hex");
}

/** stellar-core's validatePredicate at creation: and/or of exactly two, a not with an operand, times ≥ 0, depth ≤ 4. */
export function predicateValid(p: ClaimPredicate, depth = 1): boolean {
  if (depth > MAX_PREDICATE_DEPTH) return false;
  switch (p.type) {
    case "unconditional":
      return true;
    case "and":
    case "or":
      return p.predicates.length === 2 && predicateValid(p.predicates[0]!, depth + 1) && predicateValid(p.predicates[1]!, depth + 1);
    case "not":
      return p.predicate !== null && predicateValid(p.predicate, depth + 1);
    case "before_absolute_time":
      return p.time >= 0n;
    case "before_relative_time":
      return p.seconds >= 0n;
  }
}

/** closeTime + seconds, saturating at int64 max (stellar-core's relativeToAbsolute). */
function relativeToAbsolute(closeTime: bigint, seconds: bigint): bigint {
  return closeTime > INT64_MAX - seconds ? INT64_MAX : closeTime + seconds;
}

/** The predicate as stored: every relative time turned absolute at `closeTime`. New objects, the op is not touched. */
export function absolutePredicate(p: ClaimPredicate, closeTime: bigint): ClaimPredicate {
  switch (p.type) {
    case "and":
    case "or":
      return {type: p.type, predicates: p.predicates.map((q) => absolutePredicate(q, closeTime))};
    case "not":
      return {type: "not", predicate: p.predicate === null ? null : absolutePredicate(p.predicate, closeTime)};
    case "before_relative_time":
      return {type: "before_absolute_time", time: relativeToAbsolute(closeTime, p.seconds)};
    case "unconditional":
    case "before_absolute_time":
      return p;
  }
}

/** Whether a stored predicate holds at `closeTime` (stellar-core's claim-time validatePredicate). */
export function predicateHolds(p: ClaimPredicate, closeTime: bigint): boolean {
  switch (p.type) {
    case "unconditional":
      return true;
    case "and":
      return predicateHolds(p.predicates[0]!, closeTime) && predicateHolds(p.predicates[1]!, closeTime);
    case "or":
      return predicateHolds(p.predicates[0]!, closeTime) || predicateHolds(p.predicates[1]!, closeTime);
    case "not":
      return p.predicate !== null && !predicateHolds(p.predicate, closeTime);
    case "before_absolute_time":
      return p.time > closeTime;
    case "before_relative_time":
      // Stored balances never hold one: creation turns it absolute.
      throw new LedgerError(LedgerErrorCode.InvariantViolation, "relative time predicate in a stored claimable balance");
  }
}

export function checkClaimableBalance(op: ClaimableBalanceOp, source: string): OpResult | null {
  void source;
  if (op.type !== "create_claimable_balance") return null;
  const malformed = createResult("op_malformed", xdr.CreateClaimableBalanceResult.createClaimableBalanceMalformed());
  if (!isAssetValid(op.asset) || op.amount <= 0n || op.claimants.length === 0) return malformed;
  const destinations = new Set<AccountId>();
  for (const c of op.claimants) {
    if (destinations.has(c.destination)) return malformed;
    destinations.add(c.destination);
  }
  for (const c of op.claimants) if (!predicateValid(c.predicate)) return malformed;
  return null;
}

export function applyClaimableBalance(op: ClaimableBalanceOp, ctx: OpContext): OpResult {
  const bad = checkClaimableBalance(op, ctx.source);
  if (bad) return bad;
  switch (op.type) {
    case "create_claimable_balance":
      return applyCreate(op, ctx);
    case "claim_claimable_balance":
      return applyClaim(op, ctx);
    case "clawback_claimable_balance":
      return applyClawback(op, ctx);
  }
}

function applyCreate(op: CreateClaimableBalanceOp, ctx: OpContext): OpResult {
  const {ltx, source} = ctx;
  const fail = (code: string, r: xdr.CreateClaimableBalanceResult): OpResult => createResult(code, r);
  let flags = 0;
  const holding = loadHolding(ltx, source, op.asset);
  if (op.asset.type === "native") {
    if (holding === undefined || availableToSend(holding, ctx.baseReserve) < op.amount) {
      return fail("op_underfunded", xdr.CreateClaimableBalanceResult.createClaimableBalanceUnderfunded());
    }
    if (!addBalance(holding, -op.amount, ctx.baseReserve)) {
      return fail("op_underfunded", xdr.CreateClaimableBalanceResult.createClaimableBalanceUnderfunded());
    }
  } else {
    if (holding === undefined) return fail("op_no_trust", xdr.CreateClaimableBalanceResult.createClaimableBalanceNoTrust());
    if (!holdingAuthorized(holding)) return fail("op_not_authorized", xdr.CreateClaimableBalanceResult.createClaimableBalanceNotAuthorized());
    if (!addBalance(holding, -op.amount, ctx.baseReserve)) {
      return fail("op_underfunded", xdr.CreateClaimableBalanceResult.createClaimableBalanceUnderfunded());
    }
    // CAP-35: the balance can be clawed back if the creator's line could be.
    const clawback =
      holding.kind === "line"
        ? (holding.line.flags & TRUSTLINE_CLAWBACK_ENABLED_FLAG) !== 0
        : (ltx.getAccount(source)!.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0;
    if (clawback) flags |= CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG;
  }

  // The creator sponsors the entry: one base reserve per claimant, from what it has left.
  const sponsor = ltx.loadAccount(source)!;
  const mult = op.claimants.length;
  if (availableBalance(sponsor, ctx.baseReserve) < BigInt(mult) * ctx.baseReserve) {
    return fail("op_low_reserve", xdr.CreateClaimableBalanceResult.createClaimableBalanceLowReserve());
  }
  const sponsoring = numSponsoring(sponsor);
  if (sponsoring > UINT32_MAX - mult || sponsoring + sponsor.numSubEntries + mult > UINT32_MAX) {
    return {code: "op_too_many_sponsoring", result: xdr.OperationResult.opTooManySponsoring()};
  }
  sponsor.numSponsoring = sponsoring + mult;

  const balanceId = claimableBalanceId(ctx.txSource, ctx.txSeqNum, ctx.opIndex);
  const claimants: Claimant[] = op.claimants.map((c) => ({destination: c.destination, predicate: absolutePredicate(c.predicate, ctx.closeTime)}));
  const entry: ClaimableBalanceEntry = {
    type: "claimable_balance",
    balanceId,
    claimants,
    asset: op.asset,
    amount: op.amount,
    flags,
    sponsor: source,
    lastModifiedLedger: ctx.ledgerSeq,
  };
  ltx.put(entry);
  return createSuccess(balanceId);
}

function loadBalance(ltx: LedgerTxn, balanceId: string): ClaimableBalanceEntry | undefined {
  const e = ltx.getEntry(claimableBalanceKey(balanceId));
  return e !== undefined && e.type === "claimable_balance" ? e : undefined;
}

/** Releases the sponsor's reserves for `cb` and deletes it (stellar-core's removeEntryWithPossibleSponsorship + erase). */
function removeBalance(ltx: LedgerTxn, cb: ClaimableBalanceEntry): void {
  const sponsor = ltx.loadAccount(cb.sponsor);
  // A sponsor can not be merged away (op_is_sponsor), so a missing one is a broken ledger.
  if (sponsor === undefined || numSponsoring(sponsor) < cb.claimants.length) {
    throw new LedgerError(LedgerErrorCode.InvariantViolation, "claimable balance sponsor missing or under-counted", {balanceId: cb.balanceId, sponsor: cb.sponsor});
  }
  sponsor.numSponsoring = numSponsoring(sponsor) - cb.claimants.length;
  ltx.erase(claimableBalanceKey(cb.balanceId));
}

function applyClaim(op: ClaimClaimableBalanceOp, ctx: OpContext): OpResult {
  const {ltx, source} = ctx;
  const fail = (code: string, r: xdr.ClaimClaimableBalanceResult): OpResult => claimResult(code, r);
  const cb = loadBalance(ltx, op.balanceId);
  if (cb === undefined) return fail("op_does_not_exist", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceDoesNotExist());
  const claimant = cb.claimants.find((c) => c.destination === source);
  if (claimant === undefined || !predicateHolds(claimant.predicate, ctx.closeTime)) {
    return fail("op_cannot_claim", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceCannotClaim());
  }
  const holding = loadHolding(ltx, source, cb.asset);
  if (cb.asset.type !== "native") {
    if (holding === undefined) return fail("op_no_trust", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceNoTrust());
    if (!holdingAuthorized(holding)) return fail("op_not_authorized", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceNotAuthorized());
  }
  if (holding === undefined || !addBalance(holding, cb.amount, ctx.baseReserve)) {
    return fail("op_line_full", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceLineFull());
  }
  removeBalance(ltx, cb);
  return claimResult("op_success", xdr.ClaimClaimableBalanceResult.claimClaimableBalanceSuccess());
}

function applyClawback(op: ClawbackClaimableBalanceOp, ctx: OpContext): OpResult {
  const {ltx, source} = ctx;
  const fail = (code: string, r: xdr.ClawbackClaimableBalanceResult): OpResult => clawbackResult(code, r);
  const cb = loadBalance(ltx, op.balanceId);
  if (cb === undefined) return fail("op_does_not_exist", xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceDoesNotExist());
  // Horizon names CLAWBACK_CLAIMABLE_BALANCE_NOT_ISSUER "op_no_issuer".
  if (cb.asset.type === "native" || cb.asset.issuer !== source) {
    return fail("op_no_issuer", xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceNotIssuer());
  }
  if ((cb.flags & CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG) === 0) {
    return fail("op_not_clawback_enabled", xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceNotClawbackEnabled());
  }
  // The clawed-back amount returns to the issuer: it leaves circulation.
  const issuer = loadHolding(ltx, source, cb.asset)!;
  addBalance(issuer, cb.amount, ctx.baseReserve);
  removeBalance(ltx, cb);
  return clawbackResult("op_success", xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceSuccess());
}

