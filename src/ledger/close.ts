/**
 * Closing a ledger: apply a tx set to the last closed state and produce the next header.
 * Pure and deterministic: no clock, no randomness, and no dependence on Map insertion order or
 * on the order `frames` arrive in; the same set over the same state gives the same hashes.
 *
 * Apply order (a function of the set only): txs are grouped by source account and sorted by
 * seqNum (then hash); accounts are ranked by sha256(txSetHash ‖ accountId); round k applies the
 * k-th tx of every account in that rank. As Stellar's classic order, this keeps each account's
 * txs in sequence while no submitter can choose to go first.
 */
import {createHash} from "node:crypto";
import type {xdr} from "@stellar/stellar-base";
import type {LedgerCloseResult, TxFrame} from "../tx/interface.js";
import type {AppliedTx, ResultCodes} from "../tx/types.js";
import {applyTransaction, feeToCharge, opParticipants, type TxEnv} from "../tx/apply.js";
import {buildTxResult, plainSuccessResultXdr, resultCodesOf, transactionResultBytes, TxCode} from "../tx/results.js";
import {cloneEntry, LedgerTxn} from "./state.js";
import {entryDelta, type EntryDelta, type TxMeta} from "./meta.js";
import {LedgerError, LedgerErrorCode} from "./errors.js";
import {headerHash, stateHashOf} from "./header.js";
import type {AccountEntry, AssetKey, ClaimableBalanceEntry, EntryKey, LedgerEntry, LedgerHeader, LedgerStateReader, NetworkConfig, OfferEntry, TrustLineEntry} from "./types.js";
import {accountKey, assetKey, AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, numSponsoring} from "./types.js";
import {INT32_MAX, INT64_MAX, offerBuyingLiabilities, offerSellingLiabilities} from "../dex/exchange.js";

export interface CloseParams {
  /** Unix seconds agreed by consensus for this ledger. */
  closeTime: number;
  config: NetworkConfig;
  /** Per-operation fee charged (surge pricing, int64); defaults to config.baseFee. */
  baseFeeCharged?: bigint;
  checkInvariants?: boolean;
  /** Told the set's apply order (and the ledger's number) before the first fee is charged. */
  onApplyOrder?: (seq: number, ordered: readonly TxFrame[]) => void;
}

/** sha256 over the previous header hash and the set's tx hashes in byte order. */
export function txSetHashOf(prevHashHex: string, frames: TxFrame[]): Buffer {
  const hashes = frames.map((f) => f.hash).sort(Buffer.compare);
  const h = createHash("sha256").update(Buffer.from(prevHashHex, "hex"));
  for (const x of hashes) h.update(x);
  return h.digest();
}

/** The apply order described above. `frames` must be free of duplicates. */
export function applyOrder(frames: TxFrame[], txSetHash: Buffer): TxFrame[] {
  const byAccount = new Map<string, TxFrame[]>();
  for (const f of frames) {
    const list = byAccount.get(f.sourceAccount);
    if (list === undefined) byAccount.set(f.sourceAccount, [f]);
    else list.push(f);
  }
  const accounts = [...byAccount.keys()].map((id) => ({
    id,
    rank: createHash("sha256").update(txSetHash).update(id, "utf8").digest("hex"),
  }));
  accounts.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.id < b.id ? -1 : 1));
  const queues = accounts.map(({id}) => {
    const q = byAccount.get(id)!;
    // Most accounts have one tx in a set: no sort (the built-in one allocates its state even for one).
    return q.length < 2 ? q : q.sort((a, b) => (a.seqNum < b.seqNum ? -1 : a.seqNum > b.seqNum ? 1 : Buffer.compare(a.hash, b.hash)));
  });
  const out: TxFrame[] = [];
  for (let round = 0; out.length < frames.length; round++) {
    for (const q of queues) if (round < q.length) out.push(q[round]!);
  }
  return out;
}

function dedupe(frames: TxFrame[]): TxFrame[] {
  const seen = new Set<string>();
  const out: TxFrame[] = [];
  for (const f of frames) {
    if (seen.has(f.hashHex)) continue;
    seen.add(f.hashHex);
    out.push(f);
  }
  return out;
}

/**
 * Closes a ledger in one go: drives `closeLedgerSteps` to its end. For tests, tools and callers
 * with nothing else to run meanwhile.
 */
export function closeLedger(root: LedgerStateReader, prev: LedgerHeader, frames: TxFrame[], params: CloseParams): LedgerCloseResult {
  const steps = closeLedgerSteps(root, prev, frames, params);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * The close as resumable steps: the same work as `closeLedger`, in the same order, pausing (a
 * bare `yield`) after every fee charged, every tx applied and each part of the header. A driver
 * may run other work on the event loop between two steps (the ledger manager does, so admission
 * and HTTP are not held up for a whole close), as long as nothing changes `root` meanwhile: the
 * close's own changes stay in its private LedgerTxn until the caller commits the result. A step
 * that throws ends the close; nothing has been written anywhere.
 */
export function* closeLedgerSteps(root: LedgerStateReader, prev: LedgerHeader, frames: TxFrame[], params: CloseParams): Generator<void, LedgerCloseResult, void> {
  const {config, closeTime} = params;
  const seq = prev.seq + 1;
  const unique = dedupe(frames);
  const txSetHash = txSetHashOf(prev.hash, unique);
  const ordered = applyOrder(unique, txSetHash);
  params.onApplyOrder?.(seq, ordered);
  const ltx = new LedgerTxn(root, prev.idPool);
  const chargeBase = params.baseFeeCharged ?? BigInt(config.baseFee);

  // Phase 1: every fee first, so no tx of the set can spend what pays another's fee.
  let feePool = prev.feePool;
  const charged: bigint[] = [];
  const feeSourceMissing: boolean[] = [];
  const feeDeltas: EntryDelta[][] = [];
  for (const f of ordered) {
    const acc = ltx.loadAccount(f.feeSource);
    if (acc === undefined) {
      charged.push(0n);
      feeSourceMissing.push(true);
      feeDeltas.push([]);
      continue;
    }
    const beforeFee = cloneEntry(acc);
    let fee = feeToCharge(f, chargeBase);
    // As stellar-core: never charge more than the balance (the fee may dip into the reserve).
    if (fee > acc.balance) fee = acc.balance > 0n ? acc.balance : 0n;
    acc.balance -= fee;
    feePool += fee;
    charged.push(fee);
    feeSourceMissing.push(false);
    feeDeltas.push([entryDelta(beforeFee, acc)]);
    yield;
  }

  // Phase 2: apply in order.
  const env: TxEnv = {ledgerSeq: seq, closeTime, baseFee: config.baseFee, baseReserve: BigInt(config.baseReserve)};
  const applied: AppliedTx[] = [];
  const resultsHash = createHash("sha256");
  let failed = 0;
  let opCount = 0;
  let successfulOpCount = 0;
  for (let i = 0; i < ordered.length; i++) {
    const f = ordered[i]!;
    const fee = charged[i]!;
    let resultXdr: Buffer;
    let resultCodes: ResultCodes;
    let successful: boolean;
    let meta: TxMeta = {fee: feeDeltas[i]!, before: [], operations: []};
    let opResults: xdr.OperationResult[] | undefined;
    let plainResult = false;
    if (feeSourceMissing[i] && f.isFeeBump) {
      const r = buildTxResult(fee, {code: TxCode.NoAccount, ops: null}, {innerHash: f.innerHash, outer: TxCode.NoAccount});
      resultXdr = transactionResultBytes(r.xdr);
      resultCodes = r.resultCodes;
      successful = false;
    } else {
      const {outcome, success, meta: applyMeta} = applyTransaction(f, ltx, env);
      meta = {fee: feeDeltas[i]!, ...applyMeta};
      // A plain success's bytes are written directly; every other result goes through js-xdr.
      const plain = outcome.code === TxCode.Success && !f.isFeeBump ? plainSuccessResultXdr(fee, f.operations) : null;
      if (plain !== null) {
        resultXdr = plain;
        plainResult = true;
        resultCodes = resultCodesOf(outcome);
      } else {
        const r = buildTxResult(fee, outcome, f.isFeeBump ? {innerHash: f.innerHash} : null);
        resultXdr = transactionResultBytes(r.xdr);
        resultCodes = r.resultCodes;
        if (success && outcome.ops !== null) opResults = outcome.ops.map((o) => o.result);
      }
      successful = success;
    }
    if (!successful) failed++;
    opCount += f.operations.length;
    if (successful) successfulOpCount += f.operations.length;
    resultsHash.update(f.hash).update(resultXdr);
    const a: AppliedTx = {
      hashHex: f.hashHex,
      index: i + 1,
      successful,
      feeCharged: fee,
      resultXdr,
      resultCodes,
      opParticipants: opParticipants(f),
      meta,
    };
    if (opResults !== undefined) a.opResults = opResults;
    if (plainResult) a.plainResult = true;
    applied.push(a);
    yield;
  }

  // Stamped on copies: the layers' objects are the meta's snapshots and must stay as they were.
  const changes = ltx.changes();
  for (const [key, e] of changes) if (e !== null) changes.set(key, {...e, lastModifiedLedger: seq});
  yield;

  const header: LedgerHeader = {
    seq,
    prevHash: prev.hash,
    hash: "",
    txSetHash: txSetHash.toString("hex"),
    txResultsHash: resultsHash.digest("hex"),
    stateHash: stateHashOf(changes),
    closeTime,
    totalCoins: prev.totalCoins,
    feePool,
    baseFee: config.baseFee,
    baseReserve: config.baseReserve,
    maxTxSetSize: config.maxTxSetSize,
    protocolVersion: config.protocolVersion,
    idPool: ltx.idPool(),
    txCount: ordered.length,
    failedTxCount: failed,
    opCount,
    successfulOpCount,
  };
  header.hash = headerHash(header);
  if (params.checkInvariants) {
    yield;
    checkCloseInvariants(root, prev, header, changes, ltx.issued());
  }
  return {header, changes, frames: ordered, applied};
}

function violation(message: string, meta: Record<string, unknown>): never {
  throw new LedgerError(LedgerErrorCode.InvariantViolation, message, meta);
}

/** The liabilities a holding shows, subtracted from what its offers imply (the two must cancel out). */
function holdingLiabilities(
  accountId: string,
  asset: AssetKey,
  now: AccountEntry | TrustLineEntry | null,
  before: AccountEntry | TrustLineEntry | undefined,
  buying: Map<string, bigint>,
  selling: Map<string, bigint>,
): void {
  const k = accountId + "|" + asset;
  addTo(buying, k, -((now?.buyingLiabilities ?? 0n) - (before?.buyingLiabilities ?? 0n)));
  addTo(selling, k, -((now?.sellingLiabilities ?? 0n) - (before?.sellingLiabilities ?? 0n)));
}

/** An offer's liabilities on its seller's holdings (none on an issuer's own asset), times `sign`. */
function offerLiabilities(o: OfferEntry | null, sign: bigint, buying: Map<string, bigint>, selling: Map<string, bigint>): void {
  if (o === null) return;
  if (o.selling.type === "native" || o.selling.issuer !== o.sellerId) {
    addTo(selling, o.sellerId + "|" + assetKey(o.selling), sign * offerSellingLiabilities(o.price, o.amount));
  }
  if (o.buying.type === "native" || o.buying.issuer !== o.sellerId) {
    addTo(buying, o.sellerId + "|" + assetKey(o.buying), sign * offerBuyingLiabilities(o.price, o.amount));
  }
}

/** An open offer sells a positive amount of one asset for another at a positive int32 price. */
function checkOffer(o: OfferEntry): void {
  const priceOk = Number.isInteger(o.price.n) && Number.isInteger(o.price.d) && o.price.n > 0 && o.price.d > 0 && o.price.n <= INT32_MAX && o.price.d <= INT32_MAX;
  if (o.amount <= 0n || !priceOk || assetKey(o.selling) === assetKey(o.buying)) {
    violation("offer with a bad amount, price or pair", {offerId: o.offerId.toString()});
  }
}

/**
 * A trustline holds what it promises: balance ≥ selling liabilities and room under the limit for
 * its buying liabilities; a line with neither authorization flag has none (stellar-core's
 * checkBalanceAndLimit and checkAuthorized). stellar-core also refuses liabilities that grow on a
 * line only authorized to maintain them; that rule is about one operation and can not be told
 * from a whole ledger's deltas (an offer placed, then the line downgraded), so it is not checked here.
 */
function checkLineLiabilities(a: TrustLineEntry): void {
  const meta = {account: a.accountId, asset: assetKey(a.asset)};
  if (a.balance < a.sellingLiabilities || a.limit - a.balance < a.buyingLiabilities) violation("trustline balance does not cover its liabilities", meta);
  if ((a.flags & (AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG)) === 0 && (a.buyingLiabilities > 0n || a.sellingLiabilities > 0n)) {
    violation("unauthorized trustline has liabilities", meta);
  }
}

/** Sum of int64 deltas per key. */
function addTo(m: Map<string, bigint>, k: string, d: bigint): void {
  if (d !== 0n) m.set(k, (m.get(k) ?? 0n) + d);
}

/**
 * Invariants over what one ledger changed (stellar-core's ConservationOfLumens,
 * AccountSubEntriesCountIsValid and SponsorshipCountIsValid, over the deltas only):
 * - native coins are conserved: balance and escrow deltas + fee pool delta = 0, total unchanged;
 * - each credit asset's supply (trustline balances + claimable balances) moved exactly by what
 *   its issuer minted or burned (`issued`, recorded by the ledger layers);
 * - no balance is negative; a claimable balance holds a positive amount for 1–10 claimants;
 * - every holding's buying and selling liabilities moved exactly with its seller's open offers
 *   (stellar-core's LiabilitiesMatchOffers), and no holding promises more than it holds: a
 *   trustline always, a native balance wherever its liabilities grew (a fee may eat into the
 *   reserve afterwards, as in stellar-core); open offers have a positive amount and price;
 * - each account's numSubEntries moved exactly with its signers, data entries, trustlines and
 *   offers, and its numSponsoring with the claimants of the balances it sponsors.
 */
export function checkCloseInvariants(
  root: LedgerStateReader,
  prev: LedgerHeader,
  header: LedgerHeader,
  changes: Map<EntryKey, LedgerEntry | null>,
  issued: Map<AssetKey, bigint> = new Map(),
): void {
  let delta = header.feePool - prev.feePool;
  const subDelta = new Map<string, number>();
  const bump = (id: string, n: number): void => {
    subDelta.set(id, (subDelta.get(id) ?? 0) + n);
  };
  /** Per credit asset: supply change seen in the entries. */
  const supplyDelta = new Map<AssetKey, bigint>();
  /** Per account: numSponsoring change expected from the balances it sponsors, less the change seen. */
  const sponsorDelta = new Map<string, bigint>();
  /** Per holding ("G…|asset key"): liabilities change implied by its offers, less the change seen. */
  const buyingDelta = new Map<string, bigint>();
  const sellingDelta = new Map<string, bigint>();
  for (const [key, now] of changes) {
    const before = root.getEntry(key);
    // Created and deleted within this ledger: nothing to account for.
    if (now === null && before === undefined) continue;
    const entry = (now ?? before)!;
    if (entry.type === "account") {
      const a = now as AccountEntry | null;
      const b = before as AccountEntry | undefined;
      const id = (a ?? b)!.accountId;
      if (a !== null && a.balance < 0n) violation("negative balance", {account: id, balance: a.balance.toString()});
      if (a !== null && a.numSubEntries < a.signers.length) violation("numSubEntries below signer count", {account: id});
      delta += (a?.balance ?? 0n) - (b?.balance ?? 0n);
      // Expected change of numSubEntries from signers, checked below against the data entries.
      bump(id, (a?.numSubEntries ?? 0) - (b?.numSubEntries ?? 0) - ((a?.signers.length ?? 0) - (b?.signers.length ?? 0)));
      addTo(sponsorDelta, id, -BigInt((a === null ? 0 : numSponsoring(a)) - (b === undefined ? 0 : numSponsoring(b))));
      holdingLiabilities(id, "native", a, b, buyingDelta, sellingDelta);
      // Fees may eat into the reserve, so balance against liabilities is checked where they grew.
      if (a !== null && (a.sellingLiabilities > (b?.sellingLiabilities ?? 0n) || a.buyingLiabilities > (b?.buyingLiabilities ?? 0n))) {
        const min = (2n + BigInt(a.numSubEntries + numSponsoring(a))) * BigInt(header.baseReserve);
        if (a.balance < min + a.sellingLiabilities || INT64_MAX - a.balance < a.buyingLiabilities) {
          violation("native balance does not cover its liabilities", {account: id, balance: a.balance.toString(), selling: a.sellingLiabilities.toString()});
        }
      }
    } else if (entry.type === "claimable_balance") {
      const a = now as ClaimableBalanceEntry | null;
      const b = before as ClaimableBalanceEntry | undefined;
      if (a !== null && (a.amount <= 0n || a.claimants.length < 1 || a.claimants.length > 10)) {
        violation("claimable balance without amount or claimants", {balanceId: a.balanceId});
      }
      const amountDelta = (a?.amount ?? 0n) - (b?.amount ?? 0n);
      // Native held in escrow is still part of the coins in circulation.
      if (entry.asset.type === "native") delta += amountDelta;
      else {
        if (a !== null && b !== undefined && assetKey(a.asset) !== assetKey(b.asset)) violation("claimable balance changed asset", {balanceId: a.balanceId});
        addTo(supplyDelta, assetKey(entry.asset), amountDelta);
      }
      if (b !== undefined) addTo(sponsorDelta, b.sponsor, -BigInt(b.claimants.length));
      if (a !== null) addTo(sponsorDelta, a.sponsor, BigInt(a.claimants.length));
    } else {
      if (entry.type === "trustline") {
        const a = now as TrustLineEntry | null;
        const b = before as TrustLineEntry | undefined;
        if (a !== null && (a.balance < 0n || a.balance > a.limit)) {
          violation("trustline balance outside 0..limit", {account: a.accountId, asset: assetKey(a.asset), balance: a.balance.toString()});
        }
        addTo(supplyDelta, assetKey(entry.asset), (a?.balance ?? 0n) - (b?.balance ?? 0n));
        holdingLiabilities(entry.accountId, assetKey(entry.asset), a, b, buyingDelta, sellingDelta);
        if (a !== null) checkLineLiabilities(a);
      } else if (entry.type === "offer") {
        const a = now as OfferEntry | null;
        const b = before as OfferEntry | undefined;
        if (a !== null) checkOffer(a);
        offerLiabilities(a, 1n, buyingDelta, sellingDelta);
        if (b !== undefined) offerLiabilities(b, -1n, buyingDelta, sellingDelta);
      }
      // Data entries, trustlines and offers are sub-entries of one account.
      const id = entry.type === "offer" ? entry.sellerId : entry.accountId;
      const created = now !== null && before === undefined ? 1 : 0;
      const deleted = now === null && before !== undefined ? 1 : 0;
      bump(id, -(created - deleted));
      if (changes.get(accountKey(id)) === undefined && created !== deleted) violation("sub-entry changed without its account", {account: id, key});
    }
  }
  if (delta !== 0n) violation("coins not conserved", {delta: delta.toString(), ledger: header.seq});
  if (header.totalCoins !== prev.totalCoins) violation("total coins changed", {ledger: header.seq});
  for (const [id, d] of subDelta) if (d !== 0) violation("numSubEntries mismatch", {account: id, off: d});
  for (const [id, d] of sponsorDelta) if (d !== 0n) violation("numSponsoring does not match the claimants of sponsored balances", {account: id, off: d.toString()});
  for (const [holding, d] of buyingDelta) if (d !== 0n) violation("buying liabilities do not match the offers", {holding, off: d.toString()});
  for (const [holding, d] of sellingDelta) if (d !== 0n) violation("selling liabilities do not match the offers", {holding, off: d.toString()});
  for (const [asset, d] of supplyDelta) {
    if (d !== (issued.get(asset) ?? 0n)) {
      violation("credit supply changed other than by its issuer", {asset, changed: d.toString(), issued: (issued.get(asset) ?? 0n).toString(), ledger: header.seq});
    }
  }
  for (const [asset, d] of issued) {
    if (!supplyDelta.has(asset)) violation("issuer minted or burned credit that no entry holds", {asset, issued: d.toString(), ledger: header.seq});
  }
}
