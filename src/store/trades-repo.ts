/**
 * Trades (Horizon's /trades), one row per ClaimAtom of a manage offer or path payment result,
 * written in the ledger's commit batch, and three indexes for the API's filters:
 *   trades        [ledger, txIndex, opIndex, order] → [1, TradeRow fields…]
 *   tradeIdx      one table (LMDB environments have a fixed number of tables) of three indexes:
 *                 ["a", account, ledger, txIndex, opIndex, order] → null (maker and taker)
 *                 ["o", offer id (20 digits), ledger, txIndex, opIndex, order] → null (real ids)
 *                 ["p", asset A, asset B, ledger, txIndex, opIndex, order] → null, A before B
 *                 in `assetOrder`
 * Written at commit rather than derived on read because /trade_aggregations needs every trade
 * of a pair with its price, and the price is the maker offer's, found only in the meta.
 * A payment-only transaction is recognised from its result's length alone (every operation
 * result of a successful tx is 12 bytes exactly when it carries no offer), so the payment path
 * decodes nothing; only transactions with trades have their result and envelope decoded, and
 * prices come from the plain meta the close built.
 */
import {StrKey, xdr} from "@stellar/stellar-base";
import type {Database, RootDatabase, Transaction} from "lmdb";
import {assetKey, type AccountId, type AssetKey} from "../ledger/types.js";
import {decodeAsset} from "../tx/frame.js";
import {appliedAtomOf} from "../dex/crossing.js";
import type {TxMeta} from "../ledger/meta.js";
import {fieldsOf} from "./codec.js";
import type {CommittedTx} from "./history-repo.js";
import {toidString} from "./toid.js";

const VERSIONS = [1] as const;
/** Upper bound element for array-key ranges: sorts after every number. */
const MAX = Infinity;
/** Horizon's synthetic offer id of an offer that never rested: the operation's TOID with bit 62 set. */
const SYNTHETIC_OFFER_BIT = 1n << 62n;

export type TradeKey = [number, number, number, number];

/** One fill: the maker's offer sold `amountSold` of `sold` to the taker for `amountBought` of `bought`. */
export interface TradeRow {
  ledger: number;
  txIndex: number;
  opIndex: number;
  /** Index of the ClaimAtom in the operation's result, from 0 (Horizon's trade order). */
  order: number;
  closedAt: number;
  maker: AccountId;
  makerOfferId: bigint;
  sold: AssetKey;
  amountSold: bigint;
  bought: AssetKey;
  amountBought: bigint;
  taker: AccountId;
  /** The taker's resting offer, else the synthetic id (the operation's TOID with bit 62 set). */
  takerOfferId: bigint;
  /** The maker offer's price (bought per sold) before the fill; 0/0 when the meta is missing. */
  priceN: number;
  priceD: number;
}

/** The trade's paging token and id: "opid-order". */
export function tradeToken(t: TradeRow): string {
  return `${toidString(t.ledger, t.txIndex, t.opIndex)}-${t.order}`;
}

/** A deterministic order of assets for a pair's base: native first, then by code, then issuer. */
export function assetOrder(a: AssetKey, b: AssetKey): number {
  if (a === b) return 0;
  if (a === "native") return -1;
  if (b === "native") return 1;
  return a < b ? -1 : 1;
}

function idKey(id: bigint): string {
  return id.toString().padStart(20, "0");
}

function accountOfMuxed(m: xdr.MuxedAccount): AccountId {
  return StrKey.encodeEd25519PublicKey(m.switch().name === "keyTypeEd25519" ? m.ed25519() : m.med25519().ed25519());
}

/** True when a successful tx's result has only 12-byte operation results (no offer, no atom). */
function surelyNoTrades(result: Buffer): boolean {
  if (result.length < 16 || result.readInt32BE(8) !== 0) return false;
  return result.length === 20 + 12 * result.readUInt32BE(12);
}

interface OpAtoms {
  atoms: xdr.ClaimOfferAtom[];
  /** The taker's offer left resting by a manage offer, if any. */
  restingOfferId?: bigint;
}

function atomsOf(r: xdr.OperationResult): OpAtoms | null {
  if (r.switch().name !== "opInner") return null;
  const tr = r.tr();
  const orderBook = (atoms: xdr.ClaimAtom[]): xdr.ClaimOfferAtom[] =>
    atoms.filter((a) => a.switch().name === "claimAtomTypeOrderBook").map((a) => a.orderBook());
  const managed = (s: xdr.ManageOfferSuccessResult): OpAtoms => {
    const offer = s.offer();
    const arm = offer.switch().name;
    const out: OpAtoms = {atoms: orderBook(s.offersClaimed())};
    if (arm === "manageOfferCreated" || arm === "manageOfferUpdated") out.restingOfferId = BigInt(offer.offer().offerId().toString());
    return out;
  };
  switch (tr.switch().name) {
    case "manageSellOffer":
      return tr.manageSellOfferResult().switch().name === "manageSellOfferSuccess" ? managed(tr.manageSellOfferResult().success()) : null;
    case "createPassiveSellOffer":
      return tr.createPassiveSellOfferResult().switch().name === "manageSellOfferSuccess" ? managed(tr.createPassiveSellOfferResult().success()) : null;
    case "manageBuyOffer":
      return tr.manageBuyOfferResult().switch().name === "manageBuyOfferSuccess" ? managed(tr.manageBuyOfferResult().success()) : null;
    case "pathPaymentStrictReceive":
      return tr.pathPaymentStrictReceiveResult().switch().name === "pathPaymentStrictReceiveSuccess"
        ? {atoms: orderBook(tr.pathPaymentStrictReceiveResult().success().offers())}
        : null;
    case "pathPaymentStrictSend":
      return tr.pathPaymentStrictSendResult().switch().name === "pathPaymentStrictSendSuccess" ? {atoms: orderBook(tr.pathPaymentStrictSendResult().success().offers())} : null;
    default:
      return null;
  }
}

function opResultsOf(result: xdr.TransactionResult): xdr.OperationResult[] {
  const r = result.result();
  const codes = xdr.TransactionResultCode;
  if (r.switch() === codes.txFeeBumpInnerSuccess()) {
    const inner = r.innerResultPair().result().result();
    return inner.switch() === codes.txSuccess() ? inner.results() : [];
  }
  return r.switch() === codes.txSuccess() ? r.results() : [];
}

/** The operations' effective sources, from the envelope. */
function opSources(envelope: Buffer): AccountId[] {
  const env = xdr.TransactionEnvelope.fromXDR(envelope);
  let source: xdr.MuxedAccount;
  let ops: xdr.Operation[];
  switch (env.switch().name) {
    case "envelopeTypeTxFeeBump": {
      const tx = env.feeBump().tx().innerTx().v1().tx();
      source = tx.sourceAccount();
      ops = tx.operations();
      break;
    }
    case "envelopeTypeTx":
      source = env.v1().tx().sourceAccount();
      ops = env.v1().tx().operations();
      break;
    default: {
      const tx = env.v0().tx();
      source = xdr.MuxedAccount.keyTypeEd25519(tx.sourceAccountEd25519());
      ops = tx.operations();
    }
  }
  return ops.map((op) => accountOfMuxed(op.sourceAccount() ?? source));
}

/** Prices of the offers an operation's meta shows before it changed them, by offer id. */
function offerPricesBefore(meta: TxMeta | undefined, opIndex: number): Map<bigint, {n: number; d: number}> {
  const out = new Map<bigint, {n: number; d: number}>();
  for (const d of meta?.operations[opIndex - 1] ?? []) {
    if (d.before !== null && d.before.type === "offer") out.set(d.before.offerId, {n: d.before.price.n, d: d.before.price.d});
  }
  return out;
}

/** The trades of one committed transaction, in operation then atom order. */
export function tradesOfTx(t: CommittedTx): TradeRow[] {
  if (!t.successful || surelyNoTrades(t.result)) return [];
  // A tx just applied carries its operation results and sources: no XDR to decode.
  const results = t.opResults ?? opResultsOf(xdr.TransactionResult.fromXDR(t.result));
  const out: TradeRow[] = [];
  let sources: readonly AccountId[] | undefined;
  results.forEach((r, i) => {
    const found = atomsOf(r);
    if (found === null || found.atoms.length === 0) return;
    sources ??= t.opSources ?? opSources(t.envelope);
    const opIndex = i + 1;
    const prices = offerPricesBefore(t.meta, opIndex);
    const takerOfferId = found.restingOfferId ?? (BigInt(toidString(t.ledger, t.index, opIndex)) | SYNTHETIC_OFFER_BIT);
    found.atoms.forEach((a, order) => {
      // An atom apply just built carries its values; one decoded from stored bytes is read from the XDR.
      const applied = appliedAtomOf(a);
      const amountSold = applied?.amountSold ?? BigInt(a.amountSold().toString());
      const amountBought = applied?.amountBought ?? BigInt(a.amountBought().toString());
      if (amountSold === 0n && amountBought === 0n) return;
      const makerOfferId = applied?.offerId ?? BigInt(a.offerId().toString());
      const price = prices.get(makerOfferId) ?? {n: 0, d: 0};
      out.push({
        ledger: t.ledger,
        txIndex: t.index,
        opIndex,
        order,
        closedAt: t.closedAt,
        maker: applied?.sellerId ?? StrKey.encodeEd25519PublicKey(a.sellerId().ed25519()),
        makerOfferId,
        sold: assetKey(applied?.assetSold ?? decodeAsset(a.assetSold())),
        amountSold,
        bought: assetKey(applied?.assetBought ?? decodeAsset(a.assetBought())),
        amountBought,
        taker: sources![i]!,
        takerOfferId,
        priceN: price.n,
        priceD: price.d,
      });
    });
  });
  return out;
}

/** The index rows of a trade: both accounts, the real offer ids, the pair. */
function indexKeysOf(row: TradeRow): (string | number)[][] {
  const k: TradeKey = [row.ledger, row.txIndex, row.opIndex, row.order];
  const out: (string | number)[][] = [["a", row.maker, ...k], ["a", row.taker, ...k], ["o", idKey(row.makerOfferId), ...k]];
  if ((row.takerOfferId & SYNTHETIC_OFFER_BIT) === 0n) out.push(["o", idKey(row.takerOfferId), ...k]);
  const [a, b] = assetOrder(row.sold, row.bought) < 0 ? [row.sold, row.bought] : [row.bought, row.sold];
  out.push(["p", a, b, ...k]);
  return out;
}

export interface TradeFilter {
  account?: AccountId;
  offerId?: bigint;
  /** Both assets of a pair, either orientation. */
  pair?: [AssetKey, AssetKey];
}

export interface TradeCursor {
  key: TradeKey;
}

export class TradesRepo {
  readonly trades: Database<unknown, TradeKey>;
  readonly index: Database<null, (string | number)[]>;

  constructor(root: RootDatabase) {
    this.trades = root.openDB({name: "trades"});
    this.index = root.openDB({name: "tradeIdx"});
  }

  /** Inside the commit batch: the trades of the ledger's transactions and their index rows; returns the trades, in trade order. */
  write(txs: CommittedTx[]): TradeRow[] {
    const written: TradeRow[] = [];
    for (const t of txs) {
      for (const row of tradesOfTx(t)) {
        this.putRow(row);
        written.push(row);
      }
    }
    return written;
  }

  /** Inside a write: one trade and its index rows. */
  putRow(row: TradeRow): void {
    const k: TradeKey = [row.ledger, row.txIndex, row.opIndex, row.order];
    void this.trades.put(k, [
      1,
      row.closedAt,
      row.maker,
      row.makerOfferId,
      row.sold,
      row.amountSold,
      row.bought,
      row.amountBought,
      row.taker,
      row.takerOfferId,
      row.priceN,
      row.priceD,
    ]);
    for (const idx of indexKeysOf(row)) void this.index.put(idx, null);
  }

  /** The ledger of the oldest stored trade (undefined when there is none). */
  oldestLedger(txn?: Transaction): number | undefined {
    for (const key of this.trades.getKeys({limit: 1, transaction: txn})) return key[0];
    return undefined;
  }

  /**
   * Inside a write batch: deletes up to `max` trades of ledgers before `keepFrom`, with their
   * index rows, as the history they came from is pruned. Returns how many; the trades removed
   * are appended to `removed`, in trade order. With `beforeMs`, stops at the first trade that
   * closed at or after it.
   */
  prune(keepFrom: number, max: number, removed?: TradeRow[], beforeMs = Infinity): number {
    let n = 0;
    for (const {key} of this.trades.getRange({end: [keepFrom], limit: max})) {
      const row = this.get(key);
      if (row !== undefined && row.closedAt * 1000 >= beforeMs) break;
      if (row !== undefined) {
        for (const idx of indexKeysOf(row)) void this.index.remove(idx);
        removed?.push(row);
      }
      void this.trades.remove(key);
      n++;
    }
    return n;
  }

  get(k: TradeKey, txn?: Transaction): TradeRow | undefined {
    const raw = this.trades.get(k, txn ? {transaction: txn} : undefined);
    if (raw === undefined) return undefined;
    const f = fieldsOf("trades", raw, VERSIONS).fields;
    return {
      ledger: k[0],
      txIndex: k[1],
      opIndex: k[2],
      order: k[3],
      closedAt: f[0] as number,
      maker: f[1] as string,
      makerOfferId: f[2] as bigint,
      sold: f[3] as string,
      amountSold: f[4] as bigint,
      bought: f[5] as string,
      amountBought: f[6] as bigint,
      taker: f[7] as string,
      takerOfferId: f[8] as bigint,
      priceN: f[9] as number,
      priceD: f[10] as number,
    };
  }

  /**
   * Trades in (ledger, tx, op, order) order after (asc) or before (desc) `cursor`, through the
   * index the filter names (at most one of account, offer, pair), lazily.
   */
  *scan(filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean, txn?: Transaction): Generator<TradeRow> {
    let db: Database<unknown, (string | number)[]> = this.trades as unknown as Database<unknown, (string | number)[]>;
    let prefix: (string | number)[] = [];
    if (filter.account !== undefined) {
      db = this.index;
      prefix = ["a", filter.account];
    } else if (filter.offerId !== undefined) {
      db = this.index;
      prefix = ["o", idKey(filter.offerId)];
    } else if (filter.pair !== undefined) {
      db = this.index;
      const [x, y] = filter.pair;
      prefix = assetOrder(x, y) < 0 ? ["p", x, y] : ["p", y, x];
    }
    const at = [...prefix, ...(cursor ?? [])];
    const first = prefix.length === 0 ? undefined : prefix;
    // A key one element longer than the cursor sorts right after it; MAX after every row of the prefix.
    const start = asc ? (cursor ? [...at, MAX] : first) : cursor ? at : [...prefix, MAX];
    const end = asc ? [...prefix, MAX] : first;
    for (const key of db.getKeys({start, end, reverse: !asc, transaction: txn})) {
      const k = key.slice(prefix.length) as TradeKey;
      if (cursor !== undefined && k[0] === cursor[0] && k[1] === cursor[1] && k[2] === cursor[2] && k[3] === cursor[3]) continue;
      const row = this.get(k, txn);
      if (row !== undefined) yield row;
    }
  }
}
