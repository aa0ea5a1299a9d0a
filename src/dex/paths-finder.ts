/**
 * Path finding as a capability with two implementations behind one interface (house style for
 * offloaded work): `InThreadPathFinder` answers on the calling thread (tests, tiny deployments) and
 * `PathPool` (paths-pool.ts) in Piscina workers reading an LMDB snapshot of the last closed ledger.
 * Both answer through `answerPathQuery`, so they cannot differ.
 */
import type {AccountEntry, AccountId, AssetKey, TrustLineEntry} from "../ledger/types.js";
import {assetKey} from "../ledger/types.js";
import type {ErrorData} from "../util/errors.js";
import {DiamanteError} from "../util/errors.js";
import {findStrictReceivePaths, findStrictSendPaths, type PathSearchLimits, type PaymentPath} from "./paths.js";
import {StoreBookView, type BookStoreReader} from "./paths-book.js";
import {PathError, PathErrorCode} from "./paths-errors.js";
import {answerBookQuery, type BookAnswers, type BookQuery, type BookQueryReader, type BookQueryRunner} from "../api/queries/book-queries.js";

/** /paths/strict-send: a fixed source amount; destinations listed or those a destination account trusts. */
export interface StrictSendRequest {
  kind: "strict_send";
  sourceAsset: AssetKey;
  sourceAmount: bigint;
  destinationAssets?: AssetKey[];
  destinationAccount?: AccountId;
}

/** /paths/strict-receive: a fixed destination amount; sources listed or those a source account holds. */
export interface StrictReceiveRequest {
  kind: "strict_receive";
  destinationAsset: AssetKey;
  destinationAmount: bigint;
  sourceAssets?: AssetKey[];
  sourceAccount?: AccountId;
}

export type PathRequest = StrictSendRequest | StrictReceiveRequest;

export interface PathAnswer {
  paths: PaymentPath[];
  /** The ledger whose order book answered. */
  ledger: number;
  /** Units of work the search spent (PathSearchLimits.maxWork bounds it). */
  work: number;
}

/** An answer or a failure as plain data, so it crosses the worker boundary intact. */
export type PathOutcome = {ok: true; answer: PathAnswer} | {ok: false; error: ErrorData};

/**
 * Path finding, and the order-book and trade reads that share its workers (issue 6: order-book
 * work runs in the pool, against a read snapshot of the last closed ledger).
 */
export interface PathFinder extends BookQueryRunner {
  find(request: PathRequest): Promise<PathAnswer>;
  /** A ledger closed: refresh ahead of the next query where the implementation can. */
  ledgerClosed?(): void;
  close(): Promise<void>;
}

/** What a query reads: the books, the trades, and an account's holdings when the request names an account. */
export interface PathStoreReader extends BookStoreReader, BookQueryReader {
  account(id: AccountId): AccountEntry | undefined;
  trustLines(id: AccountId): TrustLineEntry[];
}

/**
 * Horizon's assetsForAddress: the account's trustlines, then native, with their balances; an
 * unknown account holds nothing.
 */
function holdingsOf(store: PathStoreReader, id: AccountId): {assets: AssetKey[]; balances: bigint[]} {
  const account = store.account(id);
  if (account === undefined) return {assets: [], balances: []};
  const lines = store.trustLines(id);
  return {
    assets: [...lines.map((t) => assetKey(t.asset)), "native"],
    balances: [...lines.map((t) => t.balance), account.balance],
  };
}

/** Answers one request against the ledger the store's reads see now. */
export function answerPathQuery(store: PathStoreReader, view: StoreBookView, request: PathRequest, limits: PathSearchLimits): PathAnswer {
  const ledger = view.sync();
  if (request.kind === "strict_send") {
    const destinationAssets = request.destinationAccount !== undefined ? holdingsOf(store, request.destinationAccount).assets : (request.destinationAssets ?? []);
    const r = findStrictSendPaths(view, {sourceAsset: request.sourceAsset, sourceAmount: request.sourceAmount, destinationAssets}, limits);
    return {paths: r.paths, ledger, work: r.work};
  }
  let sourceAssets = request.sourceAssets ?? [];
  let sourceBalances: bigint[] | undefined;
  if (request.sourceAccount !== undefined) {
    const h = holdingsOf(store, request.sourceAccount);
    sourceAssets = h.assets;
    sourceBalances = h.balances;
  }
  const r = findStrictReceivePaths(
    view,
    {
      destinationAsset: request.destinationAsset,
      destinationAmount: request.destinationAmount,
      sourceAssets,
      sourceBalances,
      sourceAccount: request.sourceAccount,
    },
    limits,
  );
  return {paths: r.paths, ledger, work: r.work};
}

/** Runs `answerPathQuery` and turns a failure into data; an error without a code is a bug and is rethrown. */
export function pathOutcome(store: PathStoreReader, view: StoreBookView, request: PathRequest, limits: PathSearchLimits): PathOutcome {
  try {
    return {ok: true, answer: answerPathQuery(store, view, request, limits)};
  } catch (err) {
    if (err instanceof DiamanteError) return {ok: false, error: err.toData()};
    throw err;
  }
}

/** The error a failed outcome stands for, rebuilt on the caller's side with its code and metadata. */
export function pathErrorOf(data: ErrorData): DiamanteError {
  return new DiamanteError(data.code, data.message, data.meta);
}

/** Answers on the calling thread, over the node's own store. */
export class InThreadPathFinder implements PathFinder {
  private readonly view: StoreBookView;
  private closed = false;

  constructor(
    private readonly store: PathStoreReader,
    private readonly limits: PathSearchLimits,
  ) {
    this.view = new StoreBookView(store);
  }

  find(request: PathRequest): Promise<PathAnswer> {
    if (this.closed) return Promise.reject(new PathError(PathErrorCode.Closed, "the path finder is closed"));
    const out = pathOutcome(this.store, this.view, request, this.limits);
    return out.ok ? Promise.resolve(out.answer) : Promise.reject(pathErrorOf(out.error));
  }

  bookQuery<Q extends BookQuery>(q: Q): Promise<BookAnswers[Q["kind"]]> {
    if (this.closed) return Promise.reject(new PathError(PathErrorCode.Closed, "the path finder is closed"));
    try {
      return Promise.resolve(answerBookQuery(this.store, q));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
