/**
 * CreditCircle's loans on the ledger: a lender lends an asset to a named borrower against
 * collateral (a credit asset) held by an escrow account whose only useful signers are
 * pre-authorised transaction hashes. The ledger, not this code, enforces the rules:
 *
 * - offer (two txs by the lender): the escrow E is created, holds the principal, trusts the
 *   collateral asset up to exactly the collateral amount, carries the terms as data entries, and
 *   is signed for by the pre-authorised `accept` (E's sequence S + 1, up to the offer's expiry)
 *   and `cancel` (S + 1 and S + 2, the lender's signature required), plus lender and borrower at
 *   weight 1 against thresholds of 2 (either alone moves nothing; both together can).
 * - accept (S + 1, the borrower signs): the collateral moves in, the principal out to the
 *   borrower, the cancel signers go and the `repay` (S + 2, up to the due time) and `claim`
 *   (S + 2 and S + 3, after the due time, the lender's signature required) signers come in.
 * - repay (S + 2, the borrower signs): a claimable balance of principal + interest for the lender
 *   (it cannot fail on the lender's trustline or account, CAP-23), the collateral back to the
 *   borrower, the escrow emptied and merged into the lender (who paid its reserves).
 * - claim (after the due time): the collateral to the lender, the escrow merged into the lender.
 *
 * Repay and the first claim share a sequence number, so exactly one can ever apply; the second
 * claim (S + 3) exists because a failed transaction still consumes its sequence number: a repay
 * that fails at apply must not lock the collateral forever. Every pre-authorised transaction is
 * rebuilt from the terms on the escrow (data entries, and the escrow's history once merged) and
 * checked against the hashes among its signers, so nothing has to be kept off the ledger.
 *
 * No node imports: the browser app bundles this file too.
 */
import {
  Account,
  Asset,
  Claimant,
  Keypair,
  Operation,
  StrKey,
  TransactionBuilder,
  type Horizon,
  type Transaction,
  type xdr,
} from "@stellar/stellar-sdk";
import {DiamanteError} from "../util/errors.js";

export type CreditErrorCode =
  /** Bad arguments: amounts, addresses, assets, times. */
  | "bad_input"
  /** An account this needs does not exist. */
  | "not_found"
  /** The escrow is not a CreditCircle escrow, or its terms, signers or entries are not what they must be. */
  | "bad_escrow"
  /** The loan is not in a state where this step applies (already accepted, closed, …). */
  | "wrong_state"
  /** The ledger's time is before the due date: the collateral cannot be claimed yet. */
  | "too_early"
  /** The ledger's time is past the offer's expiry or the due date. */
  | "too_late"
  /** The account lacks the funds or trustline the step needs (checked before sending, so no sequence number is burnt). */
  | "unfunded"
  /** The network refused the transaction for another reason (result codes in meta). */
  | "rejected";

export class CreditError extends DiamanteError<CreditErrorCode> {
  constructor(code: CreditErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "CreditError";
  }
}

/** Terms format version, written as the escrow's `cc.v` entry. */
export const TERMS_VERSION = "1";
/** Prefix of the index entry each party keeps on its own account: `cc.<escrow>` = role. */
export const INDEX_PREFIX = "cc.";
/** Weight of each party's signer on the escrow and of each pre-authorised hash; thresholds are 2. */
const PARTY_WEIGHT = 1;
const PREAUTH_WEIGHT = 2;
const ESCROW_THRESHOLD = 2;
/**
 * Fee bid per operation of the pre-authorised txs, as a multiple of the base fee: they are fixed
 * in advance and cannot raise their bid later (a fee-bump can, at the submitter's cost). The
 * escrow is funded for every bid, and a ledger charges only base fee × ops.
 */
const FEE_MULTIPLIER = 10n;
/** Seconds of ledger time the lender's two offer txs stay valid. */
const OFFER_TX_TIMEOUT = 60;

export interface LoanTerms {
  escrow: string;
  lender: string;
  borrower: string;
  loanAsset: Asset;
  /** Amounts in stroops (int64: never a JS number). */
  principal: bigint;
  repayment: bigint;
  collateralAsset: Asset;
  collateral: bigint;
  /** Ledger close time (unix s) until which the borrower may accept. */
  expires: bigint;
  /** Ledger close time (unix s) until which the borrower may repay; the lender may claim after it. */
  due: bigint;
  /** The escrow's sequence number when the offer was made (S). */
  seq: bigint;
  /** Fee bid per operation of every pre-authorised tx, stroops. */
  feePerOp: bigint;
}

export interface LoanTxs {
  accept: Transaction;
  cancel: [Transaction, Transaction];
  repay: Transaction;
  claim: [Transaction, Transaction];
  /** Id of the claimable balance the repay tx creates for the lender. */
  repaymentBalanceId: string;
}

export type LoanState =
  /** Waiting for the borrower (or, once expired, for the lender to cancel). */
  | "offered"
  /** Accepted: collateral locked, principal with the borrower. */
  | "open"
  /** A repay (or the first claim) failed at apply and spent its sequence number: only the lender's second claim remains. */
  | "claim_only"
  /** An accept (or the first cancel) failed at apply: only the lender's second cancel remains. */
  | "cancel_only"
  | "repaid"
  | "defaulted"
  | "cancelled"
  /** The escrow's sequence or signers match none of the loan's transactions (e.g. both parties moved it together). */
  | "unknown"
  /**
   * Terms readable but the escrow no longer what they imply (`problem` says how: a frozen or
   * clawed-back collateral, a signer both parties added, …): no step is offered.
   */
  | "blocked";

export interface Loan {
  terms: LoanTerms;
  state: LoanState;
  /** The party's role when read for an account. */
  role?: "lender" | "borrower";
  /** Repaid loans: whether the lender has collected the repayment's claimable balance. */
  repaymentCollected?: boolean;
  /** Hash of the tx that closed the loan. */
  closedBy?: string;
  /** Close time (unix s) of the ledger that closed it. */
  closedAt?: bigint;
  /** Why a loan is blocked. */
  problem?: string;
}

export interface OfferInput {
  borrower: string;
  loanAsset: Asset;
  /** Decimal amounts, up to 7 decimals. */
  principal: string;
  repayment: string;
  collateralAsset: Asset;
  collateral: string;
  /** Seconds of ledger time from now until the due date. */
  termSeconds: number;
  /** Seconds of ledger time from now the borrower has to accept (less than termSeconds). */
  acceptSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// Amounts and terms

const AMOUNT_RE = /^(\d{1,12})(?:\.(\d{1,7}))?$/;
const INT64_MAX = (1n << 63n) - 1n;

/** "12.5" → 125000000n stroops; throws bad_input on anything else (no float on the way). */
export function toStroops(amount: string, what = "amount"): bigint {
  const m = AMOUNT_RE.exec(amount.trim());
  if (m === null) throw new CreditError("bad_input", `${what} must be a positive decimal with at most 7 decimals, not "${amount}"`);
  const v = BigInt(m[1]!) * 10_000_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
  if (v <= 0n || v > INT64_MAX) throw new CreditError("bad_input", `${what} must be above 0 and fit an int64, not "${amount}"`);
  return v;
}

export function fromStroops(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? "-" : ""}${a / 10_000_000n}.${(a % 10_000_000n).toString().padStart(7, "0")}`;
}

export function assetString(a: Asset): string {
  return a.isNative() ? "native" : `${a.getCode()}:${a.getIssuer()}`;
}

export function parseAsset(s: string): Asset {
  if (s === "native" || s === "DIAM") return Asset.native();
  const [code, issuer, extra] = s.split(":");
  if (code === undefined || issuer === undefined || extra !== undefined || !/^[A-Za-z0-9]{1,12}$/.test(code) || !StrKey.isValidEd25519PublicKey(issuer)) {
    throw new CreditError("bad_input", `an asset is "native" or CODE:ISSUER (1-12 letters or digits, a G… issuer), not "${s}"`);
  }
  return new Asset(code, issuer);
}

/** The escrow's data entries, in the order the offer writes them and the closing txs delete them. */
export function termsEntries(t: LoanTerms): [string, string][] {
  const out: [string, string][] = [
    ["cc.v", TERMS_VERSION],
    ["cc.lender", t.lender],
    ["cc.borrower", t.borrower],
    ["cc.loan", t.loanAsset.isNative() ? "native" : t.loanAsset.getCode()],
  ];
  if (!t.loanAsset.isNative()) out.push(["cc.loan_issuer", t.loanAsset.getIssuer()]);
  out.push(
    ["cc.principal", fromStroops(t.principal)],
    ["cc.repay", fromStroops(t.repayment)],
    ["cc.coll", t.collateralAsset.getCode()],
    ["cc.coll_issuer", t.collateralAsset.getIssuer()],
    ["cc.collateral", fromStroops(t.collateral)],
    ["cc.expires", t.expires.toString()],
    ["cc.due", t.due.toString()],
    ["cc.seq", t.seq.toString()],
    ["cc.fee", t.feePerOp.toString()],
  );
  return out;
}

function checkTerms(t: LoanTerms): void {
  const bad = (msg: string): never => {
    throw new CreditError("bad_input", msg);
  };
  for (const [k, v] of [["escrow", t.escrow], ["lender", t.lender], ["borrower", t.borrower]] as const) {
    if (!StrKey.isValidEd25519PublicKey(v)) bad(`${k} must be a G… account, not "${v}"`);
  }
  if (t.lender === t.borrower) bad("lender and borrower must be different accounts");
  if (t.escrow === t.lender || t.escrow === t.borrower) bad("the escrow must be an account of its own");
  if (t.collateralAsset.isNative()) bad("the collateral must be a credit asset (CODE:ISSUER)");
  if (t.loanAsset.equals(t.collateralAsset)) bad("the loan and the collateral must be different assets");
  for (const [k, v] of [["principal", t.principal], ["repayment", t.repayment], ["collateral", t.collateral]] as const) {
    if (v <= 0n || v > INT64_MAX) bad(`${k} must be above 0`);
  }
  if (t.repayment < t.principal) bad("the repayment must be at least the principal");
  if (t.expires <= 0n || t.due <= t.expires) bad("the due date must come after the offer's expiry");
  if (t.seq <= 0n || t.seq > INT64_MAX - 4n) bad("bad escrow sequence number");
  if (t.feePerOp <= 0n || t.feePerOp > 1_000_000_000n) bad("bad fee per operation");
}

function utf8(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder("utf-8", {fatal: true}).decode(bytes);
}

const UINT_RE = /^\d{1,19}$/;

/** Terms from the escrow's entries (name → UTF-8 value). Throws bad_escrow when they are not complete and well-formed. */
export function parseTerms(escrow: string, entries: Record<string, string>): LoanTerms {
  const get = (k: string): string => {
    const v = entries[k];
    if (v === undefined) throw new CreditError("bad_escrow", `escrow ${escrow} has no ${k} entry: not a CreditCircle loan`);
    return v;
  };
  if (get("cc.v") !== TERMS_VERSION) throw new CreditError("bad_escrow", `escrow ${escrow}: terms version ${entries["cc.v"]} is not ${TERMS_VERSION}`);
  const uint = (k: string): bigint => {
    const v = get(k);
    if (!UINT_RE.test(v)) throw new CreditError("bad_escrow", `escrow ${escrow}: ${k} is not a number`);
    return BigInt(v);
  };
  try {
    const loanCode = get("cc.loan");
    const terms: LoanTerms = {
      escrow,
      lender: get("cc.lender"),
      borrower: get("cc.borrower"),
      loanAsset: loanCode === "native" ? Asset.native() : new Asset(loanCode, get("cc.loan_issuer")),
      principal: toStroops(get("cc.principal"), "principal"),
      repayment: toStroops(get("cc.repay"), "repayment"),
      collateralAsset: new Asset(get("cc.coll"), get("cc.coll_issuer")),
      collateral: toStroops(get("cc.collateral"), "collateral"),
      expires: uint("cc.expires"),
      due: uint("cc.due"),
      seq: uint("cc.seq"),
      feePerOp: uint("cc.fee"),
    };
    checkTerms(terms);
    // The entries must be exactly those the offer writes: an extra one would block the merge.
    const expected = termsEntries(terms);
    const names = Object.keys(entries).sort();
    const want = expected.map(([k]) => k).sort();
    if (names.join(",") !== want.join(",")) throw new CreditError("bad_escrow", `escrow ${escrow} has entries [${names.join(", ")}], expected [${want.join(", ")}]`);
    for (const [k, v] of expected) {
      if (entries[k] !== v) throw new CreditError("bad_escrow", `escrow ${escrow}: ${k} is "${entries[k]}", not in canonical form "${v}"`);
    }
    return terms;
  } catch (err) {
    if (err instanceof CreditError && err.code === "bad_escrow") throw err;
    throw new CreditError("bad_escrow", `escrow ${escrow} has malformed terms: ${(err as Error).message}`);
  }
}

/** Decodes Horizon's `data_attr` (base64 values). */
export function decodeDataAttr(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    try {
      out[k] = utf8(v);
    } catch {
      out[k] = "\u0000binary";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pre-authorised transactions, rebuilt deterministically from the terms

function builder(t: LoanTerms, seqBefore: bigint, passphrase: string, minTime: bigint, maxTime: bigint, extraSigners?: string[]): TransactionBuilder {
  return new TransactionBuilder(new Account(t.escrow, seqBefore.toString()), {
    fee: t.feePerOp.toString(),
    networkPassphrase: passphrase,
    timebounds: {minTime: minTime.toString(), maxTime: maxTime.toString()},
    ...(extraSigners !== undefined ? {extraSigners} : {}),
  });
}

function amount(v: bigint): string {
  return fromStroops(v);
}

/** The escrow emptied of its collateral, entries and trustlines and merged into the lender. */
function addClose(b: TransactionBuilder, t: LoanTerms, payCollateralTo: string | null, loanTrustline: boolean): void {
  if (payCollateralTo !== null) {
    b.addOperation(Operation.payment({destination: payCollateralTo, asset: t.collateralAsset, amount: amount(t.collateral)}));
  }
  if (loanTrustline) {
    b.addOperation(Operation.payment({destination: t.lender, asset: t.loanAsset, amount: amount(t.principal)}));
    b.addOperation(Operation.changeTrust({asset: t.loanAsset, limit: "0"}));
  }
  b.addOperation(Operation.changeTrust({asset: t.collateralAsset, limit: "0"}));
  for (const [name] of termsEntries(t)) b.addOperation(Operation.manageData({name, value: null}));
  b.addOperation(Operation.accountMerge({destination: t.lender}));
}

function preAuthKey(tx: Transaction): string {
  return StrKey.encodePreAuthTx(tx.hash());
}

export function buildLoanTxs(t: LoanTerms, passphrase: string): LoanTxs {
  checkTerms(t);
  const S = t.seq;
  const credit = !t.loanAsset.isNative();

  const repayB = builder(t, S + 1n, passphrase, 0n, t.due);
  repayB.addOperation(Operation.createClaimableBalance({
    source: t.borrower,
    asset: t.loanAsset,
    amount: amount(t.repayment),
    claimants: [new Claimant(t.lender, Claimant.predicateUnconditional())],
  }));
  addClose(repayB, t, t.borrower, false);
  const repay = repayB.build();

  const claimTx = (seqBefore: bigint): Transaction => {
    const b = builder(t, seqBefore, passphrase, t.due + 1n, 0n, [t.lender]);
    addClose(b, t, t.lender, false);
    return b.build();
  };
  const claim: [Transaction, Transaction] = [claimTx(S + 1n), claimTx(S + 2n)];

  const cancelTx = (seqBefore: bigint): Transaction => {
    const b = builder(t, seqBefore, passphrase, 0n, 0n, [t.lender]);
    // A native principal leaves with the merge; a credit one is paid back before its line goes.
    addClose(b, t, null, credit);
    return b.build();
  };
  const cancel: [Transaction, Transaction] = [cancelTx(S), cancelTx(S + 1n)];

  const acceptB = builder(t, S, passphrase, 0n, t.expires);
  acceptB.addOperation(Operation.payment({source: t.borrower, destination: t.escrow, asset: t.collateralAsset, amount: amount(t.collateral)}));
  for (const c of cancel) acceptB.addOperation(Operation.setOptions({signer: {preAuthTx: c.hash(), weight: 0}}));
  for (const tx of [repay, ...claim]) acceptB.addOperation(Operation.setOptions({signer: {preAuthTx: tx.hash(), weight: PREAUTH_WEIGHT}}));
  acceptB.addOperation(Operation.payment({destination: t.borrower, asset: t.loanAsset, amount: amount(t.principal)}));
  if (credit) acceptB.addOperation(Operation.changeTrust({asset: t.loanAsset, limit: "0"}));
  acceptB.addOperation(Operation.manageData({source: t.borrower, name: INDEX_PREFIX + t.escrow, value: "borrower"}));
  const accept = acceptB.build();

  return {accept, cancel, repay, claim, repaymentBalanceId: repay.getClaimableBalanceId(0)};
}

// ---------------------------------------------------------------------------------------------
// Escrow checks

type AccountRecord = Horizon.ServerApi.AccountRecord;

interface SignerView {
  key: string;
  weight: number;
}

function signerMap(acc: AccountRecord): Map<string, number> {
  return new Map((acc.signers as SignerView[]).map((s) => [s.key, s.weight]));
}

/** Sub-entries the escrow holds before accept: trustlines, terms entries and the five non-master signers. */
function offerSubentries(t: LoanTerms): number {
  return (t.loanAsset.isNative() ? 1 : 2) + termsEntries(t).length + 5;
}

interface TrustlineView {
  asset_type: string;
  asset_code?: string;
  asset_issuer?: string;
  balance: string;
  limit?: string;
  is_authorized?: boolean;
  selling_liabilities?: string;
}

function balanceOf(acc: {balances: unknown[]}, asset: Asset): TrustlineView | undefined {
  return (acc.balances as TrustlineView[]).find((b) =>
    asset.isNative() ? b.asset_type === "native" : b.asset_code === asset.getCode() && b.asset_issuer === asset.getIssuer());
}

/**
 * The escrow's state from its sequence number and signers, after checking that its configuration
 * is exactly what the terms say: signers (the expected pre-auth hashes, lender and borrower at
 * weight 1, no master key), thresholds, entries, trustlines and their limits. Anything else (an
 * extra signer, entry or trustline) could let someone move the collateral or make the closing
 * merge fail, so it is refused as bad_escrow.
 */
export function escrowState(acc: AccountRecord, t: LoanTerms, txs: LoanTxs): LoanState {
  const bad = (why: string): never => {
    throw new CreditError("bad_escrow", `escrow ${t.escrow} does not match its terms: ${why}`);
  };
  const th = acc.thresholds;
  if (th.low_threshold !== ESCROW_THRESHOLD || th.med_threshold !== ESCROW_THRESHOLD || th.high_threshold !== ESCROW_THRESHOLD) bad("thresholds are not 2/2/2");
  const signers = signerMap(acc);
  const master = signers.get(t.escrow) ?? 0;
  if (master !== 0) bad("its master key can still sign");
  if (signers.get(t.lender) !== PARTY_WEIGHT || signers.get(t.borrower) !== PARTY_WEIGHT) bad("lender and borrower are not signers of weight 1");
  if ((acc as {num_sponsoring?: number}).num_sponsoring) bad("it sponsors reserves (its merge would fail)");
  const seq = BigInt(acc.sequence);
  const S = t.seq;
  const keyOf = new Map<string, Transaction>();
  for (const tx of [txs.accept, ...txs.cancel, txs.repay, ...txs.claim]) keyOf.set(preAuthKey(tx), tx);
  const present = new Set<Transaction>();
  for (const [k, w] of signers) {
    if (k === t.escrow || k === t.lender || k === t.borrower) continue;
    const tx = keyOf.get(k);
    if (tx === undefined || w !== PREAUTH_WEIGHT) bad(`it has a signer (${k}, weight ${w}) that is none of the loan's transactions`);
    present.add(tx!);
  }
  /** Exactly these pre-authorised txs among the signers, give or take the ones that may have been spent. */
  const only = (required: Transaction[], spendable: Transaction[] = []): boolean =>
    required.every((tx) => present.has(tx)) && [...present].every((tx) => required.includes(tx) || spendable.includes(tx));
  const nonMasterSigners = signers.size - (signers.has(t.escrow) ? 1 : 0);
  const entries = termsEntries(t).length;
  const trustlines = (acc.balances as TrustlineView[]).filter((b) => b.asset_type !== "native").length;
  if (acc.subentry_count !== nonMasterSigners + entries + trustlines) bad(`it has ${acc.subentry_count} sub-entries (offers?)`);
  const coll = balanceOf(acc, t.collateralAsset);
  if (coll === undefined) bad("it has no collateral trustline");
  if (toStroopsLoose(coll!.limit ?? "0") !== t.collateral) bad("its collateral trustline limit is not the collateral amount");
  if (coll!.is_authorized === false) bad("the collateral issuer has not authorized its trustline");
  let state: LoanState;
  if (seq === S && only([txs.accept, ...txs.cancel])) {
    state = "offered";
    if (!t.loanAsset.isNative()) {
      const loan = balanceOf(acc, t.loanAsset);
      if (loan === undefined || toStroopsLoose(loan.balance) !== t.principal) bad("it does not hold the principal");
      if (toStroopsLoose(loan!.limit ?? "0") !== t.principal) bad("its loan trustline limit is not the principal");
    } else if (toStroopsLoose(balanceOf(acc, Asset.native())!.balance) < t.principal) bad("it does not hold the principal");
  } else if (seq === S + 1n && only([txs.cancel[1]], [txs.accept, txs.cancel[0]])) state = "cancel_only";
  else if (seq === S + 1n && only([txs.repay, ...txs.claim])) state = "open";
  else if (seq === S + 2n && only([txs.claim[1]], [txs.repay, txs.claim[0]])) state = "claim_only";
  else state = "unknown";
  if (state === "open" || state === "claim_only") {
    if (trustlines !== 1) bad("it has trustlines other than the collateral's");
    if (toStroopsLoose(coll!.balance) !== t.collateral) bad("it does not hold the collateral");
  }
  return state;
}

/** Horizon's 7-decimal amounts ("12.0000000") to stroops; 0 allowed. */
function toStroopsLoose(s: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,7}))?$/.exec(s);
  if (m === null) throw new CreditError("bad_escrow", `bad amount "${s}"`);
  return BigInt(m[1]!) * 10_000_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
}

// ---------------------------------------------------------------------------------------------
// The client

interface HorizonErrorShape {
  response?: {status?: number; data?: {title?: string; detail?: string; extras?: {result_codes?: {transaction?: string; operations?: string[]}}}};
}

/** Result codes of a refused submission, or null if the error is not a Horizon answer. */
export function resultCodes(err: unknown): {transaction?: string; operations?: string[]} | null {
  const data = (err as HorizonErrorShape).response?.data;
  return data?.extras?.result_codes ?? null;
}

function isoSeconds(iso: string): bigint {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new CreditError("rejected", `bad ledger time "${iso}"`);
  return BigInt(Math.floor(ms / 1000));
}

export function formatLedgerTime(t: bigint): string {
  return new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
}

export interface CreditClientOptions {
  /** Ledgers fetched when reading a closed escrow's history (its whole life is a handful of txs). */
  historyLimit?: number;
}

/**
 * Reads and drives loans through a Horizon server (this node's API). Every method that moves
 * money checks what the ledger would refuse or, worse, accept and then fail (which would spend
 * the escrow's sequence number) before sending anything.
 */
export class CreditClient {
  private passphrase: string | null = null;

  constructor(
    readonly server: Horizon.Server,
    private readonly opts: CreditClientOptions = {},
  ) {}

  async networkPassphrase(): Promise<string> {
    if (this.passphrase === null) {
      const root = (await this.server.root()) as unknown as {network_passphrase: string};
      this.passphrase = root.network_passphrase;
    }
    return this.passphrase;
  }

  /** The latest closed ledger: its sequence, close time (unix s), base fee and reserve (stroops). */
  async latestLedger(): Promise<{sequence: number; closeTime: bigint; baseFee: bigint; baseReserve: bigint}> {
    const page = await this.server.ledgers().order("desc").limit(1).call();
    const l = page.records[0];
    if (l === undefined) throw new CreditError("not_found", "the node has no ledger yet");
    return {
      sequence: l.sequence,
      closeTime: isoSeconds(l.closed_at),
      baseFee: BigInt(l.base_fee_in_stroops),
      baseReserve: BigInt(l.base_reserve_in_stroops),
    };
  }

  private async account(id: string): Promise<AccountRecord | null> {
    try {
      return await this.server.accounts().accountId(id).call();
    } catch (err) {
      if ((err as HorizonErrorShape).response?.status === 404) return null;
      throw err;
    }
  }

  private async mustAccount(id: string, who: string): Promise<AccountRecord> {
    const acc = await this.account(id);
    if (acc === null) throw new CreditError("not_found", `the ${who} account ${id} does not exist`);
    return acc;
  }

  private async submit(tx: Transaction, what: string): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    try {
      return await this.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    } catch (err) {
      const codes = resultCodes(err);
      if (codes === null) throw err;
      throw new CreditError("rejected", `${what}: the network refused it (${codes.transaction ?? "?"}${codes.operations ? " " + codes.operations.join(",") : ""})`, {codes});
    }
  }

  /** A plain tx from one of the parties' own accounts. */
  private async submitOwn(signer: Keypair, what: string, ...ops: xdr.Operation[]): Promise<void> {
    const [acc, ledger, passphrase] = await Promise.all([this.server.loadAccount(signer.publicKey()), this.latestLedger(), this.networkPassphrase()]);
    const b = new TransactionBuilder(acc, {
      fee: ledger.baseFee.toString(),
      networkPassphrase: passphrase,
      // Ledger time, not the wall clock: with short close intervals the ledger runs ahead of it.
      timebounds: {minTime: "0", maxTime: (ledger.closeTime + BigInt(OFFER_TX_TIMEOUT)).toString()},
    });
    for (const op of ops) b.addOperation(op);
    const tx = b.build();
    tx.sign(signer);
    await this.submit(tx, what);
  }

  /**
   * The lender's offer: creates the escrow (tx 1: funded for its reserves and every pre-authorised
   * fee, the lender added as a signer so the funds stay recoverable if tx 2 never lands), then
   * tx 2 moves the principal in and sets the terms, the trustlines and the signers.
   */
  async createOffer(lender: Keypair, input: OfferInput): Promise<Loan> {
    const ledger = await this.latestLedger();
    const passphrase = await this.networkPassphrase();
    if (!Number.isSafeInteger(input.termSeconds) || !Number.isSafeInteger(input.acceptSeconds) || input.acceptSeconds <= 0 || input.termSeconds <= input.acceptSeconds) {
      throw new CreditError("bad_input", "the term must be longer than the time to accept, both whole seconds above 0");
    }
    const escrowKey = Keypair.random();
    const terms: LoanTerms = {
      escrow: escrowKey.publicKey(),
      lender: lender.publicKey(),
      borrower: input.borrower,
      loanAsset: input.loanAsset,
      principal: toStroops(input.principal, "principal"),
      repayment: toStroops(input.repayment, "repayment"),
      collateralAsset: input.collateralAsset,
      collateral: toStroops(input.collateral, "collateral"),
      expires: ledger.closeTime + BigInt(input.acceptSeconds),
      due: ledger.closeTime + BigInt(input.termSeconds),
      seq: 1n, // replaced by the escrow's real sequence once it exists
      feePerOp: ledger.baseFee * FEE_MULTIPLIER,
    };
    checkTerms(terms);
    const lenderAcc = await this.mustAccount(lender.publicKey(), "lender");
    await this.mustAccount(input.borrower, "borrower");
    const loanBal = balanceOf(lenderAcc, terms.loanAsset);
    if (loanBal === undefined || toStroopsLoose(loanBal.balance) - toStroopsLoose(loanBal.selling_liabilities ?? "0") < terms.principal) {
      throw new CreditError("unfunded", `the lender does not hold ${fromStroops(terms.principal)} ${assetString(terms.loanAsset)}`);
    }
    // Funding: reserves for the base account and every sub-entry it will hold, plus every fee bid.
    const probe = buildLoanTxs({...terms, seq: 1n << 32n}, passphrase);
    const bids = [probe.accept, ...probe.cancel, probe.repay, ...probe.claim].reduce((s, tx) => s + BigInt(tx.fee), 0n);
    const reserves = BigInt(2 + offerSubentries(terms)) * ledger.baseReserve;
    const starting = reserves + bids + (terms.loanAsset.isNative() ? terms.principal : 0n);

    const maxTime = (ledger.closeTime + BigInt(OFFER_TX_TIMEOUT)).toString();
    let lenderAccount = await this.server.loadAccount(lender.publicKey());
    const tx1 = new TransactionBuilder(lenderAccount, {fee: ledger.baseFee.toString(), networkPassphrase: passphrase, timebounds: {minTime: "0", maxTime}})
      .addOperation(Operation.createAccount({destination: terms.escrow, startingBalance: fromStroops(starting)}))
      .addOperation(Operation.setOptions({source: terms.escrow, signer: {ed25519PublicKey: terms.lender, weight: PARTY_WEIGHT}}))
      .build();
    tx1.sign(lender, escrowKey);
    await this.submit(tx1, "creating the escrow");

    const escrowAcc = await this.mustAccount(terms.escrow, "escrow");
    terms.seq = BigInt(escrowAcc.sequence);
    const txs = buildLoanTxs(terms, passphrase);
    lenderAccount = await this.server.loadAccount(lender.publicKey());
    const b = new TransactionBuilder(lenderAccount, {fee: ledger.baseFee.toString(), networkPassphrase: passphrase, timebounds: {minTime: "0", maxTime}});
    const E = terms.escrow;
    b.addOperation(Operation.changeTrust({source: E, asset: terms.collateralAsset, limit: fromStroops(terms.collateral)}));
    if (!terms.loanAsset.isNative()) {
      b.addOperation(Operation.changeTrust({source: E, asset: terms.loanAsset, limit: fromStroops(terms.principal)}));
      b.addOperation(Operation.payment({destination: E, asset: terms.loanAsset, amount: fromStroops(terms.principal)}));
    }
    for (const [name, value] of termsEntries(terms)) b.addOperation(Operation.manageData({source: E, name, value}));
    b.addOperation(Operation.manageData({name: INDEX_PREFIX + E, value: "lender"}));
    for (const tx of [txs.accept, ...txs.cancel]) b.addOperation(Operation.setOptions({source: E, signer: {preAuthTx: tx.hash(), weight: PREAUTH_WEIGHT}}));
    b.addOperation(Operation.setOptions({source: E, signer: {ed25519PublicKey: terms.borrower, weight: PARTY_WEIGHT}}));
    b.addOperation(Operation.setOptions({
      source: E,
      masterWeight: 0,
      lowThreshold: ESCROW_THRESHOLD,
      medThreshold: ESCROW_THRESHOLD,
      highThreshold: ESCROW_THRESHOLD,
    }));
    const tx2 = b.build();
    // The lender signs for the escrow too (its signer since tx 1); the escrow's own key is dropped.
    tx2.sign(lender);
    await this.submit(tx2, "setting up the escrow");
    return {terms, state: "offered", role: "lender"};
  }

  /**
   * Terms, pre-authorised txs and state of an escrow, checked against each other. `live` is the
   * escrow's account record when the caller already has it; otherwise its latest operation says
   * whether it was merged (asking for a merged account would answer 404, which a browser logs).
   */
  async loadLoan(escrow: string, live?: AccountRecord): Promise<{loan: Loan; txs: LoanTxs}> {
    if (!StrKey.isValidEd25519PublicKey(escrow)) throw new CreditError("bad_input", `not an account: "${escrow}"`);
    const passphrase = await this.networkPassphrase();
    let acc: AccountRecord | null | undefined = live;
    if (acc === undefined) {
      const last = (await this.server.operations().forAccount(escrow).order("desc").limit(1).call()).records[0] as unknown as
        | {type: string; source_account: string; transaction_successful?: boolean}
        | undefined;
      const merged = last !== undefined && last.type === "account_merge" && last.source_account === escrow && last.transaction_successful !== false;
      acc = merged ? null : await this.account(escrow);
    }
    if (acc !== null) {
      const terms = parseTerms(escrow, decodeDataAttr(acc.data_attr));
      const txs = buildLoanTxs(terms, passphrase);
      try {
        return {loan: {terms, state: escrowState(acc, terms, txs)}, txs};
      } catch (err) {
        if (!(err instanceof CreditError) || err.code !== "bad_escrow") throw err;
        return {loan: {terms, state: "blocked", problem: err.message}, txs};
      }
    }
    return this.closedLoan(escrow, passphrase);
  }

  /**
   * A merged escrow: its terms come back from the manage_data operations of its history, and the
   * tx that merged it is one of the rebuilt pre-authorised txs (by hash), which says how it closed.
   */
  private async closedLoan(escrow: string, passphrase: string): Promise<{loan: Loan; txs: LoanTxs}> {
    const limit = this.opts.historyLimit ?? 200;
    const page = await this.server.operations().forAccount(escrow).order("asc").limit(limit).call();
    if (page.records.length === 0) throw new CreditError("not_found", `no account or history for ${escrow}`);
    const entries: Record<string, string> = {};
    let merge: {hash: string; at: string} | null = null;
    for (const op of page.records) {
      const rec = op as unknown as {type: string; source_account: string; name?: string; value?: string; transaction_hash: string; created_at: string; transaction_successful?: boolean};
      if (rec.transaction_successful === false || rec.source_account !== escrow) continue;
      if (rec.type === "manage_data" && rec.name !== undefined && rec.name.startsWith("cc.") && rec.value !== undefined && rec.value !== "" && merge === null) {
        if (!(rec.name in entries)) entries[rec.name] = utf8(rec.value);
      }
      if (rec.type === "account_merge") merge = {hash: rec.transaction_hash, at: rec.created_at};
    }
    if (merge === null) {
      // More history than one page (payments anyone may send to the escrow): the merge is its last operation.
      const last = (await this.server.operations().forAccount(escrow).order("desc").limit(1).call()).records[0] as unknown as
        | {type: string; source_account: string; transaction_hash: string; created_at: string}
        | undefined;
      if (last !== undefined && last.type === "account_merge" && last.source_account === escrow) merge = {hash: last.transaction_hash, at: last.created_at};
    }
    const terms = parseTerms(escrow, entries);
    const txs = buildLoanTxs(terms, passphrase);
    const hex = (tx: Transaction): string => bytesHex(tx.hash());
    let state: LoanState = "unknown";
    if (merge !== null) {
      if (merge.hash === hex(txs.repay)) state = "repaid";
      else if (txs.claim.some((tx) => hex(tx) === merge!.hash)) state = "defaulted";
      else if (txs.cancel.some((tx) => hex(tx) === merge!.hash)) state = "cancelled";
    }
    const loan: Loan = {terms, state};
    if (merge !== null) {
      loan.closedBy = merge.hash;
      loan.closedAt = isoSeconds(merge.at);
    }
    if (state === "repaid") {
      // Listed among the lender's balances of that asset until claimed (no 404 to log in a browser).
      const open = await this.server.claimableBalances().claimant(terms.lender).asset(terms.loanAsset).limit(200).call();
      loan.repaymentCollected = !open.records.some((r) => r.id === txs.repaymentBalanceId);
    }
    return {loan, txs};
  }

  /**
   * The loans an account takes part in: its own index entries (`cc.<escrow>`, written by the
   * offer for the lender and by the accept for the borrower, kept after the loan closes) and the
   * escrows that list it as a signer (offers made to a borrower who has not accepted yet).
   */
  async loansOf(account: string): Promise<Loan[]> {
    const acc = await this.mustAccount(account, "party");
    const roles = new Map<string, "lender" | "borrower">();
    for (const [k, v] of Object.entries(decodeDataAttr(acc.data_attr))) {
      if (k.startsWith(INDEX_PREFIX) && StrKey.isValidEd25519PublicKey(k.slice(INDEX_PREFIX.length)) && (v === "lender" || v === "borrower")) {
        roles.set(k.slice(INDEX_PREFIX.length), v);
      }
    }
    // Live escrows list both parties as signers; an index entry without one is a closed loan.
    const signed = await this.server.accounts().forSigner(account).limit(200).call();
    const live = new Map<string, AccountRecord>();
    for (const e of signed.records) {
      if (e.id === account || e.data_attr["cc.v"] === undefined) continue;
      live.set(e.id, e);
      if (!roles.has(e.id)) roles.set(e.id, "borrower");
    }
    const out: Loan[] = [];
    for (const [escrow, role] of roles) {
      try {
        const {loan} = await this.loadLoan(escrow, live.get(escrow) ?? undefined);
        if (role === "lender" ? loan.terms.lender !== account : loan.terms.borrower !== account) continue;
        out.push({...loan, role});
      } catch (err) {
        // A foreign or broken escrow is not listed; anything else (network) is an error.
        if (!(err instanceof CreditError) || (err.code !== "bad_escrow" && err.code !== "not_found")) throw err;
      }
    }
    out.sort((a, b) => (a.terms.due < b.terms.due ? 1 : a.terms.due > b.terms.due ? -1 : 0));
    return out;
  }

  private async expectState(escrow: string, states: LoanState[], what: string): Promise<{loan: Loan; txs: LoanTxs}> {
    const {loan, txs} = await this.loadLoan(escrow);
    if (loan.state === "blocked") throw new CreditError("bad_escrow", `cannot ${what}: ${loan.problem ?? "the escrow does not match its terms"}`);
    if (!states.includes(loan.state)) throw new CreditError("wrong_state", `cannot ${what}: the loan is ${loan.state.replace("_", " ")}`);
    return {loan, txs};
  }

  /** Checks that `who` can pay `amt` of `asset` from its available balance. */
  private async checkFunds(who: string, asset: Asset, amt: bigint, role: string, baseReserve: bigint, extraSubentries = 0): Promise<void> {
    const acc = await this.mustAccount(who, role);
    const bal = balanceOf(acc, asset);
    if (bal === undefined) throw new CreditError("unfunded", `the ${role} has no ${assetString(asset)} trustline`);
    if (bal.is_authorized === false) throw new CreditError("unfunded", `the ${role}'s ${assetString(asset)} trustline is not authorized by its issuer`);
    let avail = toStroopsLoose(bal.balance) - toStroopsLoose(bal.selling_liabilities ?? "0");
    if (asset.isNative()) avail -= BigInt(2 + acc.subentry_count + extraSubentries) * baseReserve;
    if (avail < amt) throw new CreditError("unfunded", `the ${role} has ${fromStroops(avail < 0n ? 0n : avail)} ${assetString(asset)} available, ${fromStroops(amt)} needed`);
  }

  /**
   * Ensures `who` has an authorized trustline to `asset` with room for `amt` (adds one, or raises
   * its limit): a pre-authorised tx paying into a missing, full or frozen line would fail at apply
   * and spend its sequence number.
   */
  private async ensureTrust(who: Keypair, asset: Asset, amt: bigint, role: string): Promise<void> {
    if (asset.isNative()) return;
    let bal = balanceOf(await this.mustAccount(who.publicKey(), role), asset);
    if (bal === undefined || toStroopsLoose(bal.limit ?? "0") - toStroopsLoose(bal.balance) < amt) {
      await this.submitOwn(who, `adding a ${asset.getCode()} trustline`, Operation.changeTrust({asset}));
      bal = balanceOf(await this.mustAccount(who.publicKey(), role), asset);
    }
    if (bal?.is_authorized === false) {
      throw new CreditError("unfunded", `the ${role}'s ${assetString(asset)} trustline is not authorized by its issuer: nothing was sent`);
    }
  }

  /** The borrower locks the collateral and receives the principal (pre-authorised accept). */
  async accept(borrower: Keypair, escrow: string): Promise<void> {
    const {loan, txs} = await this.expectState(escrow, ["offered"], "accept");
    const t = loan.terms;
    if (t.borrower !== borrower.publicKey()) throw new CreditError("bad_input", "this offer is made to another borrower");
    const ledger = await this.latestLedger();
    if (ledger.closeTime > t.expires) throw new CreditError("too_late", `the offer expired at ${formatLedgerTime(t.expires)} (ledger time ${formatLedgerTime(ledger.closeTime)})`);
    // The escrow pays every fee of its txs: one funded for less could leave the repay unpayable.
    const escrowAcc = await this.mustAccount(escrow, "escrow");
    const bids = [txs.accept, ...txs.cancel, txs.repay, ...txs.claim].reduce((sum, tx) => sum + BigInt(tx.fee), 0n);
    const need = BigInt(2 + escrowAcc.subentry_count) * ledger.baseReserve + bids + (t.loanAsset.isNative() ? t.principal : 0n);
    const held = toStroopsLoose(balanceOf(escrowAcc, Asset.native())?.balance ?? "0");
    if (held < need) {
      throw new CreditError("bad_escrow", `the escrow holds ${fromStroops(held)} DIAM, less than the ${fromStroops(need)} its reserves, its fees${t.loanAsset.isNative() ? " and the principal" : ""} need: not accepted`);
    }
    await this.checkFunds(t.borrower, t.collateralAsset, t.collateral, "borrower", ledger.baseReserve);
    await this.ensureTrust(borrower, t.loanAsset, t.principal, "borrower");
    await this.checkFunds(t.borrower, Asset.native(), ledger.baseReserve, "borrower", ledger.baseReserve);
    txs.accept.sign(borrower);
    await this.submitPreAuth(txs.accept, "accepting the loan", t);
  }

  /** The borrower repays before the due date: the lender gets a claimable balance, the borrower the collateral. */
  async repay(borrower: Keypair, escrow: string): Promise<void> {
    const {loan, txs} = await this.expectState(escrow, ["open", "claim_only"], "repay");
    const t = loan.terms;
    if (t.borrower !== borrower.publicKey()) throw new CreditError("bad_input", "only the borrower repays");
    if (loan.state === "claim_only") throw new CreditError("wrong_state", "cannot repay: a repay transaction already failed and spent its turn; only the lender's claim remains");
    const ledger = await this.latestLedger();
    if (ledger.closeTime > t.due) {
      throw new CreditError("too_late", `repaying: the loan was due at ${formatLedgerTime(t.due)} and the ledger's time is ${formatLedgerTime(ledger.closeTime)}; the ledger no longer accepts the repayment, the lender may claim the collateral`);
    }
    // A repay that fails at apply spends the escrow's sequence number: check all it needs first.
    await this.checkFunds(t.borrower, t.loanAsset, t.repayment, "borrower", ledger.baseReserve, 1);
    if (!t.loanAsset.isNative()) await this.checkFunds(t.borrower, Asset.native(), ledger.baseReserve, "borrower", ledger.baseReserve);
    const acc = await this.mustAccount(t.borrower, "borrower");
    const line = balanceOf(acc, t.collateralAsset);
    if (line === undefined || line.is_authorized === false || toStroopsLoose(line.limit ?? "0") - toStroopsLoose(line.balance) < t.collateral) {
      throw new CreditError("unfunded", `the borrower needs an authorized ${t.collateralAsset.getCode()} trustline with room for ${fromStroops(t.collateral)} to take the collateral back`);
    }
    txs.repay.sign(borrower);
    await this.submitPreAuth(txs.repay, "repaying", t);
  }

  /** After the due date, the lender takes the collateral (pre-authorised claim). */
  async claim(lender: Keypair, escrow: string): Promise<void> {
    const {loan, txs} = await this.expectState(escrow, ["open", "claim_only"], "claim the collateral");
    const t = loan.terms;
    if (t.lender !== lender.publicKey()) throw new CreditError("bad_input", "only the lender claims the collateral");
    // The ledger refuses a claim before the due date (tx_too_early, nothing spent); saying so from
    // the latest close time spares a refused request. The first ledger closing after it accepts.
    const now = (await this.latestLedger()).closeTime;
    if (now <= t.due) {
      throw new CreditError("too_early", `claiming the collateral: the loan is not past due (due ${formatLedgerTime(t.due)}, ledger time ${formatLedgerTime(now)}); the ledger accepts the claim from the first ledger closed after the due date`);
    }
    await this.ensureTrust(lender, t.collateralAsset, t.collateral, "lender");
    const tx = loan.state === "open" ? txs.claim[0] : txs.claim[1];
    tx.sign(lender);
    await this.submitPreAuth(tx, "claiming the collateral", t);
  }

  /** The lender withdraws an offer not accepted (yet): the principal and reserves come back. */
  async cancel(lender: Keypair, escrow: string): Promise<void> {
    const {loan, txs} = await this.expectState(escrow, ["offered", "cancel_only"], "cancel");
    const t = loan.terms;
    if (t.lender !== lender.publicKey()) throw new CreditError("bad_input", "only the lender cancels an offer");
    await this.ensureTrust(lender, t.loanAsset, t.principal, "lender");
    const tx = loan.state === "offered" ? txs.cancel[0] : txs.cancel[1];
    tx.sign(lender);
    await this.submitPreAuth(tx, "cancelling the offer", t);
  }

  /** The lender collects a repayment (claims the claimable balance the repay tx created). */
  async collect(lender: Keypair, escrow: string): Promise<void> {
    const {loan, txs} = await this.loadLoan(escrow);
    if (loan.state !== "repaid" || loan.repaymentCollected !== false) throw new CreditError("wrong_state", `nothing to collect: the loan is ${loan.state}${loan.repaymentCollected ? " and its repayment was collected" : ""}`);
    if (loan.terms.lender !== lender.publicKey()) throw new CreditError("bad_input", "only the lender collects the repayment");
    await this.ensureTrust(lender, loan.terms.loanAsset, loan.terms.repayment, "lender");
    await this.submitOwn(lender, "collecting the repayment", Operation.claimClaimableBalance({balanceId: txs.repaymentBalanceId}));
  }

  /** Submits a pre-authorised tx and turns the ledger's time-bound refusals into plain words. */
  async submitPreAuth(tx: Transaction, what: string, t: LoanTerms): Promise<void> {
    try {
      await this.submit(tx, what);
    } catch (err) {
      const code = err instanceof CreditError ? (err.meta.codes as {transaction?: string} | undefined)?.transaction : undefined;
      if (code === "tx_too_early") {
        throw new CreditError("too_early", `${what}: the ledger refused it, the loan is not past due (due ${formatLedgerTime(t.due)}); the collateral can be claimed from the first ledger closed after it`, err instanceof CreditError ? err.meta : {});
      }
      if (code === "tx_too_late") {
        const limit = tx.hash().equals(buildLoanTxs(t, tx.networkPassphrase).accept.hash()) ? `the offer expired at ${formatLedgerTime(t.expires)}` : `the loan was due at ${formatLedgerTime(t.due)}`;
        throw new CreditError("too_late", `${what}: the ledger refused it, ${limit}`, err instanceof CreditError ? err.meta : {});
      }
      throw err;
    }
  }
}

function bytesHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
