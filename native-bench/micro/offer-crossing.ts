/**
 * Offer crossings per second on one core at apply: manage_sell_offer operations applied in a
 * ledger layer over a book of resting offers, counting the offers each one crossed (its claim
 * atoms). Two shapes: one taker sweeping many offers per operation (the crossing loop itself),
 * and one operation per crossing (a taker partially filling the best offer: the per-operation
 * cost of checks, liabilities and the result around each crossing).
 */
import {Keypair} from "@stellar/stellar-base";
import {LedgerTxn} from "../../src/ledger/state.js";
import {newAccountEntry} from "../../src/ledger/entries.js";
import {
  assetKey,
  AUTHORIZED_FLAG,
  entryKey,
  isBetterOffer,
  type Asset,
  type CreditAsset,
  type EntryKey,
  type LedgerEntry,
  type LedgerStateReader,
  type OfferEntry,
} from "../../src/ledger/types.js";
import {offerBuyingLiabilities} from "../../src/dex/exchange.js";
import {applyOperation} from "../../src/tx/ops/index.js";
import type {Operation} from "../../src/tx/types.js";
import {BenchError, BenchErrorCode} from "../errors.js";
import {isEntryPoint, measureSelfTimed, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";

/** Resting offers in the book: 1,000 makers, one offer each, so each crossing touches a different seller's entries. */
const MAKERS = 1000;
/** Offers one sweeping operation crosses: a tenth of stellar-core's 1,000-per-op work limit, a large but plausible market order. */
const SWEEP = 100;
const D = 10_000_000n;
const RESERVE = 5_000_000n;

interface Book extends LedgerStateReader {
  taker: string;
  usd: CreditAsset;
}

/** A last-closed state with MAKERS offers selling 10 USD for DIAM at prices 1.000…1.999, and a taker holding DIAM. */
function buildBook(): Book {
  const issuer = Keypair.random().publicKey();
  const usd: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer};
  const native: Asset = {type: "native"};
  const entries = new Map<EntryKey, LedgerEntry>();
  const offers: OfferEntry[] = [];
  const put = (e: LedgerEntry): void => void entries.set(entryKey(e), e);
  for (let i = 0; i < MAKERS; i++) {
    const id = Keypair.random().publicKey();
    const offer: OfferEntry = {type: "offer", sellerId: id, offerId: BigInt(i + 1), selling: usd, buying: native, amount: 10n * D, price: {n: 1000 + i, d: 1000}, flags: 0, lastModifiedLedger: 1};
    put({...newAccountEntry(id, 1000n * D, 1n, 1), numSubEntries: 2, buyingLiabilities: offerBuyingLiabilities(offer.price, offer.amount)});
    put({type: "trustline", accountId: id, asset: usd, balance: 100n * D, limit: 1_000_000n * D, flags: AUTHORIZED_FLAG, buyingLiabilities: 0n, sellingLiabilities: offer.amount, lastModifiedLedger: 1});
    put(offer);
    offers.push(offer);
  }
  const taker = Keypair.random().publicKey();
  put({...newAccountEntry(taker, 1_000_000_000n * D, 1n, 1), numSubEntries: 1});
  put({type: "trustline", accountId: taker, asset: usd, balance: 0n, limit: 1_000_000_000n * D, flags: AUTHORIZED_FLAG, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 1});
  offers.sort((a, b) => (isBetterOffer(a, b) ? -1 : 1));
  const key = assetKey(usd);
  return {
    taker,
    usd,
    getEntry: (k) => entries.get(k),
    bookOffers: (selling, buying) => (selling === key && buying === "native" ? offers : []),
    accountOffers: (seller) => offers.filter((o) => o.sellerId === seller),
  };
}

/** Applies `ops` from the taker in one ledger layer; returns the offers crossed and the ms spent applying. */
function applyAll(book: Book, ops: Operation[]): {ops: number; ms: number} {
  const root = new LedgerTxn(book, BigInt(MAKERS));
  let crossed = 0;
  const start = performance.now();
  for (let i = 0; i < ops.length; i++) {
    const ltx = root.child();
    const r = applyOperation(ops[i]!, {ltx, source: book.taker, ledgerSeq: 2, closeTime: 0n, baseReserve: RESERVE, txSource: book.taker, txSeqNum: 2n, opIndex: i});
    if (r.code !== "op_success") throw new BenchError(BenchErrorCode.SanityCheckFailed, `offer op failed: ${r.code}`);
    crossed += r.result.tr().manageSellOfferResult().success().offersClaimed().length;
    ltx.commit();
  }
  const ms = performance.now() - start;
  return {ops: crossed, ms};
}

export async function runOfferCrossingBench(opts: MicroOptions = defaultMicroOptions): Promise<Section> {
  const book = buildBook();
  const native: Asset = {type: "native"};
  const sell = (amount: bigint): Operation => ({type: "manage_sell_offer", source: null, selling: native, buying: book.usd, amount, price: {n: 1, d: 2}, offerId: 0n});
  // Each sweep spends what SWEEP offers of 10 USD cost at ~1 DIAM per USD (the best prices): about SWEEP crossings.
  const sweeps = Array.from({length: 5}, () => sell(BigInt(SWEEP) * 10n * D));
  const sweep = await measureSelfTimed(`sweeping ~${SWEEP} offers per operation`, () => {
    const r = applyAll(book, sweeps);
    if (r.ops < (sweeps.length * SWEEP) / 2) throw new BenchError(BenchErrorCode.SanityCheckFailed, `sweeps crossed only ${r.ops} offers`);
    return r;
  }, opts.runs);
  // One crossing per op: 1 DIAM takes part of the best offer, which stays in the book.
  const singles = Array.from({length: MAKERS}, () => sell(1n * D));
  const single = await measureSelfTimed("one partial crossing per operation", () => {
    const r = applyAll(book, singles);
    if (r.ops < MAKERS) throw new BenchError(BenchErrorCode.SanityCheckFailed, `singles crossed ${r.ops} offers`);
    return r;
  }, opts.runs);
  return {
    title: "offer crossings at apply (one core, manage_sell_offer over a 1,000-offer book)",
    baseline: single.name,
    figures: [single, sweep],
    notes: [
      "ops/s = offers crossed per second, counted from the operations' claim atoms; only applying is timed.",
      "A sweep asks the layers for the best offer before each crossing; each layer keeps a cursor into the reader's book (state.ts), so the offers already taken are not read again and a sweep is linear in its depth.",
      "Each run applies into fresh ledger layers over the same last-closed book (a Map reader with a sorted book, as the store's index).",
    ],
  };
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(await runOfferCrossingBench()));
}
