/**
 * Payment path finding, as Horizon's (stellar/go exp/orderbook search.go) explores the order-book
 * graph: a breadth-limited relaxation from the fixed end of the payment, keeping per asset the best
 * amount reached so far, never revisiting an asset on one path, and reporting every improvement that
 * lands on a wanted asset.
 *
 * Where Horizon estimates each hop with its own approximate conversion, every hop here is priced by
 * walking the book with the exchange rules apply uses (exchangeV10 with the path payment rounding
 * modes, stellar-core's convertWithOffers loop), so a path's amounts are what a path payment
 * submitted against the same ledger would send and deliver. That includes apply's stops: a book that
 * runs out, an offer that stays after a partial exchange before the amount is met (too few offers),
 * and, for strict receive with a source account, reaching one of that account's own offers
 * (op_cross_self), make the hop unusable rather than optimistic.
 *
 * The search is pure: it reads the book through `OrderBookView` and counts its work, stopping with a
 * `path_search_too_expensive` error past `maxWork` instead of running into a timeout.
 */
import type {AssetKey, OfferEntry} from "../ledger/types.js";
import {exchangeV10, INT32_MAX, INT64_MAX} from "./exchange.js";
import {PathError, PathErrorCode} from "./paths-errors.js";

/** The order book as the search reads it; `store-book.ts`'s cached view or a test's in-memory one. */
export interface OrderBookView {
  /** Buying assets of the books that sell `asset` (assets one can pay to obtain `asset`), sorted. */
  buyingAssetsOf(asset: AssetKey): readonly AssetKey[];
  /** Selling assets of the books that buy `asset` (assets one can obtain by paying `asset`), sorted. */
  sellingAssetsOf(asset: AssetKey): readonly AssetKey[];
  /** Offers selling `selling` for `buying`, best first (stellar-core's book order). */
  offers(selling: AssetKey, buying: AssetKey): readonly OfferEntry[];
  /**
   * The same books numbered for the search (`buildBookGraph`), kept by the view while its set of
   * books does not change. Optional: without it the search looks assets and books up by key.
   */
  graph?(): BookGraph;
}

/** One edge of a `BookGraph`: the neighbour's number and the book crossed to reach it. */
export interface GraphEdge {
  to: number;
  book(): PricedBook;
}

/**
 * A book's offers with its best price as doubles, computed once per decoded book: the search's
 * bounds read them for every edge it weighs, and reading them off the first offer's price each
 * time was most of an edge's cost.
 */
export interface PricedBook {
  offers: readonly OfferEntry[];
  /** n/d and d/n of the best offer's price; NaN for an empty book. */
  nOverD: number;
  dOverN: number;
}

export function pricedBook(offers: readonly OfferEntry[]): PricedBook {
  const best = offers[0];
  return best === undefined ? {offers, nOverD: Number.NaN, dOverN: Number.NaN} : {offers, nOverD: best.price.n / best.price.d, dOverN: best.price.d / best.price.n};
}

/**
 * The order book as numbered assets and per-asset edge lists, so the search keeps its amounts in
 * arrays and reaches a book without hashing asset keys: a query over 10,000 offers in 50 assets
 * weighs ~4,300 edges, and looking each one's state and book up by a ~60-character key cost most
 * of its CPU (native-bench paths figures).
 */
export interface BookGraph {
  /** Every asset of every book, in key order: numbers in key order keep the search's visiting order. */
  assets: readonly AssetKey[];
  index: ReadonlyMap<AssetKey, number>;
  /** By asset number: an edge per book selling that asset, to the asset it buys (what strict receive pays), in key order. */
  sellers: ReadonlyArray<readonly GraphEdge[]>;
  /** By asset number: an edge per book buying that asset, to the asset it sells (what strict send obtains), in key order. */
  buyers: ReadonlyArray<readonly GraphEdge[]>;
}

/**
 * Numbers `view`'s books reachable from `assets` (every asset connected to them is added).
 * `bookOf` gives an edge its book; by default it asks the view and prices the book each time.
 */
export function buildBookGraph(
  view: OrderBookView,
  assets: Iterable<AssetKey>,
  bookOf: (selling: AssetKey, buying: AssetKey) => () => PricedBook = (s, b) => () => pricedBook(view.offers(s, b)),
): BookGraph {
  // Every asset connected to those given, so each edge's end has a number.
  const all = new Set<AssetKey>(assets);
  const todo = [...all];
  for (let a = todo.pop(); a !== undefined; a = todo.pop()) {
    for (const x of [...view.buyingAssetsOf(a), ...view.sellingAssetsOf(a)]) {
      if (!all.has(x)) {
        all.add(x);
        todo.push(x);
      }
    }
  }
  const sorted = [...all].sort();
  const index = new Map<AssetKey, number>(sorted.map((a, i) => [a, i]));
  const sellers = sorted.map((a) => view.buyingAssetsOf(a).map((b): GraphEdge => ({to: index.get(b) as number, book: bookOf(a, b)})));
  const buyers = sorted.map((a) => view.sellingAssetsOf(a).map((x): GraphEdge => ({to: index.get(x) as number, book: bookOf(x, a)})));
  return {assets: sorted, index, sellers, buyers};
}

/** One payment path as Horizon reports it; assets as asset keys ("native" | "CODE:ISSUER"). */
export interface PaymentPath {
  sourceAsset: AssetKey;
  sourceAmount: bigint;
  destinationAsset: AssetKey;
  destinationAmount: bigint;
  /** Intermediate assets, in payment order (the op's `path`). */
  path: AssetKey[];
}

export interface PathSearchLimits {
  /** Most hops (books crossed) on a path; Horizon's max path length. */
  maxHops: number;
  /** Most paths reported per source (strict receive) or destination (strict send) asset. */
  maxPathsPerAsset: number;
  /** Most units of work (a book considered or an offer crossed) one query may spend. */
  maxWork: number;
  /**
   * Price every hop even when a bound shows it cannot improve on what the search already has, and
   * extend every asset reached in every round, not only those the last round improved. The answers
   * are the same either way (a property test checks it); the shortcuts make a query over 10,000
   * offers several times cheaper (native-bench paths figures).
   */
  exhaustive?: boolean;
}

/**
 * stellar-core's MAX_OFFERS_TO_CROSS: one path payment crossing more offers than this fails with
 * op_exceeded_work_limit, so a hop that needs more is no path.
 */
export const MAX_OFFERS_TO_CROSS = 1000;

export interface StrictReceiveQuery {
  destinationAsset: AssetKey;
  destinationAmount: bigint;
  /** Assets the payer could send; with `balances`, only paths it can afford are kept. */
  sourceAssets: readonly AssetKey[];
  /** Balance per source asset (same order), when the payer is a known account (Horizon's validateSourceBalance). */
  sourceBalances?: readonly bigint[];
  /** The paying account: reaching one of its own offers stops a hop, as op_cross_self stops apply. */
  sourceAccount?: string;
}

export interface StrictSendQuery {
  sourceAsset: AssetKey;
  sourceAmount: bigint;
  destinationAssets: readonly AssetKey[];
}

/** Horizon's asset string (xdr.Asset.String), which orders the results. */
export function horizonAssetString(key: AssetKey): string {
  if (key === "native") return "native";
  const i = key.indexOf(":");
  const code = key.slice(0, i);
  return (code.length <= 4 ? "credit_alphanum4/" : "credit_alphanum12/") + code + "/" + key.slice(i + 1);
}

/** Counts a query's work and stops it past the limit. */
export class WorkMeter {
  used = 0;
  constructor(private readonly max: number) {}

  spend(units: number): void {
    this.used += units;
    if (this.used > this.max) {
      throw new PathError(PathErrorCode.TooExpensive, `path search stopped after ${this.max} units of order-book work; ask for fewer assets or a smaller amount`, {
        maxWork: this.max,
      });
    }
  }
}

/**
 * Integers below this are exact in doubles with room for one more addition of the same size, and
 * floor(x / d) of such an x by an int32 d is exact: the quotient's rounding error stays under
 * 1/(2d), less than the distance from x/d to the next integer when the division is not exact.
 */
const EXACT = 2 ** 52;

function isInt32Price(n: number, d: number): boolean {
  return Number.isInteger(n) && Number.isInteger(d) && n > 0 && d > 0 && n <= INT32_MAX && d <= INT32_MAX;
}

/** ceil(x / d) for integers 0 ≤ x < 2^52, d ≥ 1. */
function ceilDiv(x: number, d: number): number {
  const q = Math.floor(x / d);
  return q * d === x ? q : q + 1;
}

/**
 * What obtaining `wheatWanted` of a book's selling asset costs in its buying asset, crossing offers
 * as a strict-receive path payment does (rounding in the book's favour). Undefined when apply would
 * fail the hop: the book runs out, an offer stays before the amount is met, the payer's own offer
 * comes up, or more offers than one payment may cross.
 *
 * Each offer is exchanged as exchangeV10 does with the path payment's limits (the seller can
 * receive and the taker send without bound), in doubles while every product stays below 2^52,
 * where they are exact: a query crosses a few hundred offers, and exchangeV10's BigInt products
 * and quotients were over half of what a query allocated (native-bench RESULTS.md, path finding).
 * Past that range, or for anything exchangeV10 would refuse (a bad price, a negative amount, a
 * price error bound it throws on), the rest of the hop goes through exchangeV10 itself, from the
 * same state: the answers, the errors and the work counted are exchangeV10's.
 */
export function strictReceiveHopCost(offers: readonly OfferEntry[], wheatWanted: bigint, payer: string | undefined, meter: WorkMeter | null): bigint | undefined {
  if (wheatWanted >= EXACT) return receiveWithExchange(offers, 0, wheatWanted, 0n, 0, payer, meter);
  let remaining = Number(wheatWanted);
  let sheepSent = 0;
  let crossed = 0;
  for (let i = 0; i < offers.length; i++) {
    if (remaining === 0) break;
    const offer = offers[i] as OfferEntry;
    const n = offer.price.n;
    const d = offer.price.d;
    if (sheepSent >= EXACT || !isInt32Price(n, d) || offer.amount < 0n || remaining * n >= EXACT) {
      return receiveWithExchange(offers, i, BigInt(remaining), BigInt(sheepSent), crossed, payer, meter);
    }
    // Exact: an offer of 2^53 or more rounds to 2^53 or more, above any `remaining` here.
    const amount = Number(offer.amount);
    let wheat: number;
    let sheep: number;
    const wheatStays = amount > remaining;
    if (wheatStays) {
      // The taker's side is the smaller: it receives what it asks and pays the rounding up.
      wheat = remaining;
      sheep = ceilDiv(remaining * n, d);
    } else {
      const value = amount * n;
      if (n > d) {
        wheat = amount;
        sheep = Math.floor(value / d);
      } else {
        sheep = Math.floor(value / d);
        wheat = ceilDiv(sheep * d, n);
      }
      // exchangeV10 throws past the 1% price error bound in the taker's favour: let it.
      if (wheat > 0 && sheep > 0 && 100 * (n * wheat - d * sheep) > n * wheat) {
        return receiveWithExchange(offers, i, BigInt(remaining), BigInt(sheepSent), crossed, payer, meter);
      }
    }
    if (wheat === 0 || sheep === 0) {
      wheat = 0;
      sheep = 0;
    }
    if (offer.sellerId === payer) return undefined;
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter?.spend(1);
    sheepSent += sheep;
    remaining -= wheat;
    if (remaining > 0 && wheatStays) return undefined;
  }
  return remaining === 0 ? BigInt(sheepSent) : undefined;
}

/** `strictReceiveHopCost` through exchangeV10 from offer `start` on, with the state reached so far. */
function receiveWithExchange(
  offers: readonly OfferEntry[],
  start: number,
  wheatWanted: bigint,
  sheepSentSoFar: bigint,
  crossedSoFar: number,
  payer: string | undefined,
  meter: WorkMeter | null,
): bigint | undefined {
  let remaining = wheatWanted;
  let sheepSent = sheepSentSoFar;
  let crossed = crossedSoFar;
  for (let i = start; i < offers.length; i++) {
    const offer = offers[i] as OfferEntry;
    if (remaining === 0n) break;
    if (offer.sellerId === payer) return undefined;
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter?.spend(1);
    const r = exchangeV10(offer.price, offer.amount, remaining, INT64_MAX, INT64_MAX, "strict_receive");
    sheepSent += r.sheepSend;
    remaining -= r.wheatReceive;
    if (sheepSent > INT64_MAX) return undefined;
    if (remaining > 0n && r.wheatStays) return undefined;
  }
  return remaining === 0n ? sheepSent : undefined;
}

/**
 * What sending `sheepToSend` into a book (which buys that asset) yields of its selling asset, as a
 * strict-send path payment crosses it. Undefined when apply would fail the hop (not all of the
 * amount could be sent, or more offers than one payment may cross). May be 0: strict send can sell
 * for nothing, and the search drops such hops. In doubles where exact, as `strictReceiveHopCost`.
 */
export function strictSendHopYield(offers: readonly OfferEntry[], sheepToSend: bigint, meter: WorkMeter | null): bigint | undefined {
  if (sheepToSend >= EXACT) return sendWithExchange(offers, 0, sheepToSend, 0n, 0, meter);
  let remaining = Number(sheepToSend);
  let wheatReceived = 0;
  let crossed = 0;
  for (let i = 0; i < offers.length; i++) {
    if (remaining === 0) break;
    const offer = offers[i] as OfferEntry;
    const n = offer.price.n;
    const d = offer.price.d;
    const sheepValue = remaining * d;
    if (wheatReceived >= EXACT || !isInt32Price(n, d) || offer.amount < 0n || sheepValue >= EXACT) {
      return sendWithExchange(offers, i, BigInt(remaining), BigInt(wheatReceived), crossed, meter);
    }
    // A product that rounds to 2^52 or more is 2^52 or more, above `sheepValue`.
    const wheatValue = Number(offer.amount) * n;
    let wheat: number;
    let sheep: number;
    const wheatStays = wheatValue > sheepValue;
    if (wheatStays) {
      // Strict send: all of the taker's amount goes, for what it buys rounded down.
      wheat = Math.floor(sheepValue / n);
      sheep = remaining;
    } else {
      if (n > d) {
        wheat = Number(offer.amount);
        sheep = Math.floor(wheatValue / d);
      } else {
        sheep = Math.floor(wheatValue / d);
        wheat = ceilDiv(sheep * d, n);
      }
      // exchangeV10 throws when strict send would send nothing, or past the price error bound.
      if (sheep === 0 || (wheat > 0 && 100 * (n * wheat - d * sheep) > n * wheat)) {
        return sendWithExchange(offers, i, BigInt(remaining), BigInt(wheatReceived), crossed, meter);
      }
    }
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter?.spend(1);
    wheatReceived += wheat;
    remaining -= sheep;
    if (remaining > 0 && wheatStays) return undefined;
  }
  return remaining === 0 ? BigInt(wheatReceived) : undefined;
}

/** `strictSendHopYield` through exchangeV10 from offer `start` on, with the state reached so far. */
function sendWithExchange(offers: readonly OfferEntry[], start: number, sheepToSend: bigint, wheatSoFar: bigint, crossedSoFar: number, meter: WorkMeter | null): bigint | undefined {
  let remaining = sheepToSend;
  let wheatReceived = wheatSoFar;
  let crossed = crossedSoFar;
  for (let i = start; i < offers.length; i++) {
    const offer = offers[i] as OfferEntry;
    if (remaining === 0n) break;
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter?.spend(1);
    const r = exchangeV10(offer.price, offer.amount, INT64_MAX, remaining, INT64_MAX, "strict_send");
    wheatReceived += r.wheatReceive;
    remaining -= r.sheepSend;
    if (wheatReceived > INT64_MAX) return undefined;
    if (remaining > 0n && r.wheatStays) return undefined;
  }
  return remaining === 0n ? wheatReceived : undefined;
}

/**
 * Relative slack of the double-precision bounds below: amounts and prices reach 2^63 and 2^31,
 * where a double is off by ~1e-16 relative; 1e-9 keeps every bound on the safe side.
 */
const BOUND_SLACK = 1e-9;

/**
 * Whether a strict-receive hop cannot cost less than `staged`. Every offer crossed charges at least
 * its price for what it gives, less one stroop of rounding (CAP-0004: the taker pays the rounding
 * unless the offer is used up, and then by under one unit), and no offer in the book is cheaper
 * than the first; so the cost is at least amount·bestPrice − offers. Pruning only hops that cannot
 * be an improvement leaves the search's answers exactly as without it.
 */
function receiveCannotBeat(offers: readonly OfferEntry[], amount: number, staged: number): boolean {
  if (offers.length === 0) return true;
  if (staged === 0) return false;
  const best = offers[0] as OfferEntry;
  const lower = amount * (best.price.n / best.price.d) * (1 - BOUND_SLACK) - offers.length - 1;
  return lower >= staged;
}

/** `receiveCannotBeat` over a priced book: the same arithmetic, the price read once per book. */
function receiveCannotBeatPriced(book: PricedBook, amount: number, staged: number): boolean {
  const count = book.offers.length;
  if (count === 0) return true;
  if (staged === 0) return false;
  return amount * book.nOverD * (1 - BOUND_SLACK) - count - 1 >= staged;
}

/** `sendCannotBeat` over a priced book. */
function sendCannotBeatPriced(book: PricedBook, amount: number, staged: number): boolean {
  const count = book.offers.length;
  if (count === 0) return true;
  if (staged === 0) return false;
  return amount * book.dOverN * (1 + BOUND_SLACK) + count + 1 <= staged;
}

/** Whether a strict-send hop cannot yield more than `staged`: at most amount / bestPrice + offers, by the same rounding bound. */
function sendCannotBeat(offers: readonly OfferEntry[], amount: number, staged: number): boolean {
  if (offers.length === 0) return true;
  if (staged === 0) return false;
  const best = offers[0] as OfferEntry;
  const upper = amount * (best.price.d / best.price.n) * (1 + BOUND_SLACK) + offers.length + 1;
  return upper <= staged;
}

interface PathNode {
  asset: AssetKey;
  prev: PathNode | null;
}

function nodeContains(node: PathNode | null, asset: AssetKey): boolean {
  for (let n = node; n !== null; n = n.prev) if (n.asset === asset) return true;
  return false;
}

function nodePath(node: PathNode): AssetKey[] {
  const out: AssetKey[] = [];
  for (let n: PathNode | null = node; n !== null; n = n.prev) out.push(n.asset);
  return out.reverse();
}

/** One direction of the search: where edges lead, what a hop yields, which amounts are better, what is kept. */
interface SearchDirection {
  edges(asset: AssetKey): readonly AssetKey[];
  /**
   * The amount of `next` a hop from `current` holding (or needing) `amount` gives; undefined: no
   * hop, or one that provably cannot beat `staged` (the best amount of `next` so far, 0: none).
   * The amounts come as doubles too, converted once per asset rather than once per edge, for
   * the bounds (a query weighs ~4,000 edges against them).
   */
  hop(current: AssetKey, next: AssetKey, amount: bigint, amountNum: number, stagedNum: number): bigint | undefined;
  isTerminal(asset: AssetKey): boolean;
  /** Whether a path ending at `asset` with `amount` is reported. */
  includes(asset: AssetKey, amount: bigint): boolean;
  /** Whether `alternative` beats `current` (0n: nothing yet). */
  better(current: bigint, alternative: bigint): boolean;
  report(assets: AssetKey[], amount: bigint): void;
}

/**
 * Horizon's search loop: `maxHops` rounds; in each, every asset reached so far is extended along
 * its edges, improvements are staged and committed between rounds (so one round adds exactly one
 * hop), and on the last round only edges into wanted assets are tried. Assets are visited in key
 * order, so results never depend on map or insertion order.
 *
 * Unless `exhaustive`, a round extends only the assets the round before improved (the start, in
 * the first): an asset whose amount and path did not change offers every neighbour exactly the
 * hop it offered last round, which was then staged or lost to a better one, and staged amounts
 * only get better, so it cannot improve anything now (Bellman-Ford's relaxation of changed
 * vertices). The answers are the same; over 10,000 offers in 50 assets it skips about a third of
 * the hops (native-bench paths figures).
 */
function search(dir: SearchDirection, start: AssetKey, amount: bigint, maxHops: number, meter: WorkMeter, exhaustive: boolean): void {
  const best = new Map<AssetKey, bigint>([[start, amount]]);
  const staged = new Map<AssetKey, bigint>([[start, amount]]);
  /** `staged` as doubles, for the hops' bounds. */
  const stagedNum = new Map<AssetKey, number>([[start, Number(amount)]]);
  const bestPath = new Map<AssetKey, PathNode>([[start, {asset: start, prev: null}]]);
  const stagedPath = new Map<AssetKey, PathNode>();
  if (dir.includes(start, amount)) dir.report([start], amount);

  let changed: AssetKey[] = [start];
  for (let round = 0; round < maxHops; round++) {
    const updated: AssetKey[] = [];
    const frontier = exhaustive ? [...best.keys()].sort() : changed.sort();
    for (const current of frontier) {
      const currentAmount = best.get(current) as bigint;
      const currentNum = Number(currentAmount);
      const node = bestPath.get(current) as PathNode;
      for (const next of dir.edges(current)) {
        meter.spend(1);
        if (round === maxHops - 1 && !dir.isTerminal(next)) continue;
        if (nodeContains(node, next)) continue;
        const stagedAmount = staged.get(next) ?? 0n;
        const nextAmount = dir.hop(current, next, currentAmount, currentNum, stagedNum.get(next) ?? 0);
        if (nextAmount === undefined || nextAmount <= 0n) continue;
        if (!dir.better(stagedAmount, nextAmount)) continue;
        const fresh = stagedAmount === (best.get(next) ?? 0n);
        staged.set(next, nextAmount);
        stagedNum.set(next, Number(nextAmount));
        if (fresh) {
          updated.push(next);
          stagedPath.set(next, {asset: next, prev: node});
        } else {
          (stagedPath.get(next) as PathNode).prev = node;
        }
        if (dir.includes(next, nextAmount)) dir.report([...nodePath(node), next], nextAmount);
      }
    }
    if (round < maxHops - 1) {
      for (const asset of updated) {
        best.set(asset, staged.get(asset) as bigint);
        bestPath.set(asset, stagedPath.get(asset) as PathNode);
      }
    }
    changed = updated;
  }
}

interface IdNode {
  id: number;
  prev: IdNode | null;
}

/** The search's direction over a `BookGraph`: edges and hops by number, the rest as `SearchDirection`. */
interface IndexedDirection {
  edges: ReadonlyArray<readonly GraphEdge[]>;
  /** A hop across the book of the edge taken; undefined as `SearchDirection.hop`. */
  hop(book: PricedBook, amount: bigint, amountNum: number, stagedNum: number): bigint | undefined;
  /** By asset number: whether the asset is a wanted end of a path. */
  terminal: Uint8Array;
  includes(asset: AssetKey, amount: bigint): boolean;
  better(current: bigint, alternative: bigint): boolean;
  report(assets: AssetKey[], amount: bigint): void;
}

/**
 * `search` (never exhaustive) over a `BookGraph`: the same rounds, the same visiting order (asset
 * numbers follow key order, edges the view's order), the same staging and the same work counted,
 * so the same answers; amounts and paths live in arrays by asset number instead of maps by key.
 */
function searchIndexed(g: BookGraph, dir: IndexedDirection, start: AssetKey, amount: bigint, maxHops: number, meter: WorkMeter): void {
  if (dir.includes(start, amount)) dir.report([start], amount);
  const startId = g.index.get(start) as number;
  const n = g.assets.length;
  const best = new Array<bigint>(n).fill(0n);
  const staged = new Array<bigint>(n).fill(0n);
  const stagedNum = new Float64Array(n);
  const bestPath = new Array<IdNode | null>(n).fill(null);
  const stagedPath = new Array<IdNode | null>(n).fill(null);
  best[startId] = amount;
  staged[startId] = amount;
  stagedNum[startId] = Number(amount);
  bestPath[startId] = {id: startId, prev: null};
  const pathOf = (node: IdNode, last: number): AssetKey[] => {
    const out: AssetKey[] = [g.assets[last] as AssetKey];
    for (let x: IdNode | null = node; x !== null; x = x.prev) out.push(g.assets[x.id] as AssetKey);
    return out.reverse();
  };

  let changed: number[] = [startId];
  for (let round = 0; round < maxHops; round++) {
    const last = round === maxHops - 1;
    const updated: number[] = [];
    const frontier = changed.sort((a, b) => a - b);
    for (const current of frontier) {
      const currentAmount = best[current] as bigint;
      const currentNum = Number(currentAmount);
      const node = bestPath[current] as IdNode;
      for (const edge of dir.edges[current] as readonly GraphEdge[]) {
        meter.spend(1);
        const next = edge.to;
        if (last && dir.terminal[next] === 0) continue;
        let onPath = false;
        for (let x: IdNode | null = node; x !== null; x = x.prev) {
          if (x.id === next) {
            onPath = true;
            break;
          }
        }
        if (onPath) continue;
        const stagedAmount = staged[next] as bigint;
        const nextAmount = dir.hop(edge.book(), currentAmount, currentNum, stagedNum[next] as number);
        if (nextAmount === undefined || nextAmount <= 0n) continue;
        if (!dir.better(stagedAmount, nextAmount)) continue;
        const fresh = stagedAmount === best[next];
        staged[next] = nextAmount;
        stagedNum[next] = Number(nextAmount);
        if (fresh) {
          updated.push(next);
          stagedPath[next] = {id: next, prev: node};
        } else {
          (stagedPath[next] as IdNode).prev = node;
        }
        const nextKey = g.assets[next] as AssetKey;
        if (dir.includes(nextKey, nextAmount)) dir.report(pathOf(node, next), nextAmount);
      }
    }
    if (!last) {
      for (const id of updated) {
        best[id] = staged[id] as bigint;
        bestPath[id] = stagedPath[id] as IdNode;
      }
    }
    changed = updated;
  }
}

/** Marks the numbered assets among `keys`. */
function terminalsOf(g: BookGraph, keys: Iterable<AssetKey>): Uint8Array {
  const out = new Uint8Array(g.assets.length);
  for (const k of keys) {
    const id = g.index.get(k);
    if (id !== undefined) out[id] = 1;
  }
  return out;
}

/**
 * Horizon's sortAndFilterPaths: grouped by the varying asset (Horizon's asset string order), best
 * amount first, then fewer hops; at most `perAsset` per group. The path itself breaks the last ties
 * so the order is total.
 */
function sortAndTrim(paths: PaymentPath[], by: "source" | "destination", perAsset: number): PaymentPath[] {
  const keyOf = (p: PaymentPath) => horizonAssetString(by === "source" ? p.sourceAsset : p.destinationAsset);
  const cmpAmount = (a: PaymentPath, b: PaymentPath): number => {
    const x = by === "source" ? a.sourceAmount : b.destinationAmount;
    const y = by === "source" ? b.sourceAmount : a.destinationAmount;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const sorted = paths
    .map((p) => ({p, key: keyOf(p), route: p.path.join(",")}))
    .sort((a, b) => {
      if (a.key !== b.key) return a.key < b.key ? -1 : 1;
      const c = cmpAmount(a.p, b.p);
      if (c !== 0) return c;
      if (a.p.path.length !== b.p.path.length) return a.p.path.length - b.p.path.length;
      return a.route < b.route ? -1 : a.route > b.route ? 1 : 0;
    });
  const out: PaymentPath[] = [];
  let group = "";
  let count = 0;
  for (const {p, key} of sorted) {
    if (key !== group) {
      group = key;
      count = 0;
    }
    if (count < perAsset) {
      out.push(p);
      count++;
    }
  }
  return out;
}

function checkAmount(amount: bigint, field: string): void {
  if (amount <= 0n || amount > INT64_MAX) {
    throw new PathError(PathErrorCode.BadQuery, `${field} must be a positive int64 amount`, {field, amount: amount.toString()});
  }
}

/**
 * Paths that deliver exactly `destinationAmount` of the destination asset, cheapest first per
 * source asset (Horizon's /paths/strict-receive).
 */
export function findStrictReceivePaths(view: OrderBookView, q: StrictReceiveQuery, limits: PathSearchLimits): {paths: PaymentPath[]; work: number} {
  checkAmount(q.destinationAmount, "destination_amount");
  const balances = new Map<AssetKey, bigint>();
  q.sourceAssets.forEach((a, i) => balances.set(a, q.sourceBalances?.[i] ?? 0n));
  const validate = q.sourceBalances !== undefined;
  const meter = new WorkMeter(limits.maxWork);
  const found: PaymentPath[] = [];
  const receiveReport = (assets: AssetKey[], amount: bigint): void => {
    found.push({
      sourceAsset: assets[assets.length - 1] as AssetKey,
      sourceAmount: amount,
      destinationAsset: q.destinationAsset,
      destinationAmount: q.destinationAmount,
      path: assets.slice(1, -1).reverse(),
    });
  };
  const numbered = balances.size > 0 && limits.exhaustive !== true ? view.graph?.() : undefined;
  // A graph numbered from assets not connected to the start cannot answer for it: the plain search does.
  const graph = numbered?.index.has(q.destinationAsset) === true ? numbered : undefined;
  if (graph !== undefined) {
    searchIndexed(
      graph,
      {
        edges: graph.sellers,
        hop: (book, amount, amountNum, stagedNum) => (receiveCannotBeatPriced(book, amountNum, stagedNum) ? undefined : strictReceiveHopCost(book.offers, amount, q.sourceAccount, meter)),
        terminal: terminalsOf(graph, balances.keys()),
        includes: (asset, amount) => balances.has(asset) && (!validate || (balances.get(asset) as bigint) >= amount),
        better: (current, alternative) => current === 0n || alternative < current,
        report: receiveReport,
      },
      q.destinationAsset,
      q.destinationAmount,
      limits.maxHops,
      meter,
    );
  } else if (balances.size > 0) {
    search(
      {
        edges: (asset) => view.buyingAssetsOf(asset),
        hop: (current, next, amount, amountNum, stagedNum) => {
          const offers = view.offers(current, next);
          return !limits.exhaustive && receiveCannotBeat(offers, amountNum, stagedNum) ? undefined : strictReceiveHopCost(offers, amount, q.sourceAccount, meter);
        },
        isTerminal: (asset) => balances.has(asset),
        includes: (asset, amount) => balances.has(asset) && (!validate || (balances.get(asset) as bigint) >= amount),
        better: (current, alternative) => current === 0n || alternative < current,
        report: receiveReport,
      },
      q.destinationAsset,
      q.destinationAmount,
      limits.maxHops,
      meter,
      limits.exhaustive === true,
    );
  }
  return {paths: sortAndTrim(found, "source", limits.maxPathsPerAsset), work: meter.used};
}

/**
 * Paths that send exactly `sourceAmount` of the source asset, best delivery first per destination
 * asset (Horizon's /paths/strict-send).
 */
export function findStrictSendPaths(view: OrderBookView, q: StrictSendQuery, limits: PathSearchLimits): {paths: PaymentPath[]; work: number} {
  checkAmount(q.sourceAmount, "source_amount");
  const targets = new Set(q.destinationAssets);
  const meter = new WorkMeter(limits.maxWork);
  const found: PaymentPath[] = [];
  const sendReport = (assets: AssetKey[], amount: bigint): void => {
    found.push({
      sourceAsset: q.sourceAsset,
      sourceAmount: q.sourceAmount,
      destinationAsset: assets[assets.length - 1] as AssetKey,
      destinationAmount: amount,
      path: assets.slice(1, -1),
    });
  };
  const numbered = targets.size > 0 && limits.exhaustive !== true ? view.graph?.() : undefined;
  const graph = numbered?.index.has(q.sourceAsset) === true ? numbered : undefined;
  if (graph !== undefined) {
    searchIndexed(
      graph,
      {
        edges: graph.buyers,
        hop: (book, amount, amountNum, stagedNum) => (sendCannotBeatPriced(book, amountNum, stagedNum) ? undefined : strictSendHopYield(book.offers, amount, meter)),
        terminal: terminalsOf(graph, targets),
        includes: (asset) => targets.has(asset),
        better: (current, alternative) => alternative > current,
        report: sendReport,
      },
      q.sourceAsset,
      q.sourceAmount,
      limits.maxHops,
      meter,
    );
  } else if (targets.size > 0) {
    search(
      {
        edges: (asset) => view.sellingAssetsOf(asset),
        hop: (current, next, amount, amountNum, stagedNum) => {
          const offers = view.offers(next, current);
          return !limits.exhaustive && sendCannotBeat(offers, amountNum, stagedNum) ? undefined : strictSendHopYield(offers, amount, meter);
        },
        isTerminal: (asset) => targets.has(asset),
        includes: (asset) => targets.has(asset),
        better: (current, alternative) => alternative > current,
        report: sendReport,
      },
      q.sourceAsset,
      q.sourceAmount,
      limits.maxHops,
      meter,
      limits.exhaustive === true,
    );
  }
  return {paths: sortAndTrim(found, "destination", limits.maxPathsPerAsset), work: meter.used};
}
