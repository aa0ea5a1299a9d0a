/**
 * What each /ws subscription receives: its records from a ledger event of the feed (built once
 * per channel per ledger), and the history after a paging token from the route that lists the
 * same records (so a replayed record is the GET's record, and the live one the feed's copy of it).
 */
import type {AssetKey} from "../../ledger/types.js";
import {orderBookSummary} from "../queries/order-book.js";
import {apiRoutes} from "../routes/index.js";
import type {GetRoute, RouteContext} from "../routes/context.js";
import {pairKey} from "../stream/feed.js";
import type {LedgerEvent, LedgerTopics} from "../stream/interface.js";
import type {ApiModules} from "../interface.js";
import type {ApiOptions} from "../options.js";
import {assetOfKey} from "./assets.js";
import type {Subscription} from "./protocol.js";

/** Price levels per side in an order_book frame: Horizon's default /order_book limit. */
export const BOOK_LEVELS = 20;

export interface StreamItem {
  readonly token: string;
  readonly json: string;
  /** A feed record's JSON is bytes already (its topic's pack): their length and a copy of them, with no string made. */
  readonly jsonByteLength?: number;
  copyJson?(target: Buffer, at: number): number;
}

/** What /ws needs of the API to read history as the routes do. */
export interface ApiAccess {
  modules: ApiModules;
  opts: ApiOptions;
  /** The origin links are built for (the feed's records use the same). */
  base(): string;
}

/** The ledger a paging token belongs to: every token here starts with a TOID (ledger << 32 | …). */
export function ledgerOfToken(token: string): number {
  return Number(BigInt(token.split("-")[0]!) >> 32n);
}

/** The subscription's records among a ledger's topics, in paging order. */
export function selectItems(t: LedgerTopics, sub: Subscription): readonly StreamItem[] {
  const a = sub.account;
  // The feed's records are items already: no copy per subscription per ledger.
  const plain = (list: readonly StreamItem[]): readonly StreamItem[] => list;
  switch (sub.topic) {
    case "ledgers":
      return plain(t.ledgers);
    case "transactions":
    case "operations":
    case "payments":
    case "effects":
      return plain(a !== undefined ? t.forAccount(sub.topic, a) : t[sub.topic]);
    case "trades": {
      if (a !== undefined) return plain(t.forAccount("trades", a));
      if (sub.base === undefined || sub.counter === undefined) return plain(t.trades);
      const pair = pairKey(sub.base, sub.counter);
      const base = sub.base;
      return t.trades.filter((r) => r.pairKey === pair).map((r) => ({token: r.token, json: r.oriented(base).json}));
    }
    default:
      return [];
  }
}

/** The text of a records frame before its first record. */
function recordsHead(sub: Subscription, ledger: number | null, items: readonly StreamItem[]): string {
  const last = items[items.length - 1]!;
  return `{"type":"records","channel":${JSON.stringify(sub.channel)},"topic":"${sub.topic}","ledger":${ledger ?? "null"},"cursor":${JSON.stringify(last.token)},"records":[`;
}

/** One frame of records: the JSON of each record is spliced in as the feed (or the route) made it. */
export function recordsFrame(sub: Subscription, ledger: number | null, items: readonly StreamItem[]): string {
  return `${recordsHead(sub, ledger, items)}${items.map((i) => i.json).join(",")}]}`;
}

/**
 * Where `recordsFrameBytes` writes: grown to the largest frame, then reused by every frame after
 * (a ledger's firehose frame is megabytes; the one-account frames are ~1,000 a ledger).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The bytes of `recordsFrame(sub, ledger, items)` (UTF-8), each record's text written straight
 * into a buffer: no joined string, no concatenation, and no UTF-8 conversion of a frame-sized
 * string when uWS takes it (for the firehose, a megabytes-long string per ledger in V8's
 * large-object space, freed only by a full collection). The buffer is shared and overwritten by
 * the next call: it is only for a send or publish that copies it before returning (uWS copies or
 * writes a message in the call).
 */
export function recordsFrameBytes(sub: Subscription, ledger: number | null, items: readonly StreamItem[]): Buffer {
  const head = recordsHead(sub, ledger, items);
  // A text of n UTF-16 units is at most 3n bytes of UTF-8 (a memo may hold any character): room
  // for that, so nothing is measured before it is written.
  // A feed record's bytes are copied from its topic's pack (their length is known).
  let size = 3 * head.length + items.length - 1 + 2;
  for (const it of items) size += it.copyJson !== undefined ? it.jsonByteLength! : 3 * it.json.length;
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const out = scratch;
  let at = out.write(head, 0, "utf8");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[at++] = 0x2c;
    const it = items[i]!;
    at += it.copyJson !== undefined ? it.copyJson(out, at) : out.write(it.json, at, "utf8");
  }
  out[at++] = 0x5d;
  out[at++] = 0x7d;
  return out.subarray(0, at);
}

export function bookFrame(api: ApiAccess, sub: Subscription, ledger: number): string {
  const book = orderBookSummary(api.modules.reader, assetOfKey(sub.base!)!, assetOfKey(sub.counter!)!, BOOK_LEVELS);
  return JSON.stringify({type: "order_book", channel: sub.channel, topic: "order_book", ledger, book});
}

/** True when the ledger changed the subscription's book. */
export function bookTouched(e: LedgerEvent, sub: Subscription): boolean {
  return e.changed.books.has(pairKey(sub.base!, sub.counter!));
}

function assetParams(prefix: string, key: AssetKey, q: URLSearchParams): void {
  const a = assetOfKey(key)!;
  q.set(`${prefix}_asset_type`, a.type);
  if (a.type !== "native") {
    q.set(`${prefix}_asset_code`, a.code);
    q.set(`${prefix}_asset_issuer`, a.issuer);
  }
}

const ROUTES = new Map<string, GetRoute>(apiRoutes.filter((r): r is GetRoute => r.method === "get").map((r) => [r.pattern, r]));

/** The history route listing the subscription's records, with its path parameters and query. */
function routeOf(sub: Subscription, cursor: string, limit: number): {route: GetRoute; params: string[]; query: URLSearchParams; path: string} {
  const query = new URLSearchParams({cursor, limit: String(limit), order: "asc"});
  // Streams carry failed transactions and their operations too; each record says whether it succeeded.
  if (sub.topic === "transactions" || sub.topic === "operations" || sub.topic === "payments") query.set("include_failed", "true");
  if (sub.topic === "trades" && sub.base !== undefined && sub.counter !== undefined) {
    assetParams("base", sub.base, query);
    assetParams("counter", sub.counter, query);
  }
  const pattern = sub.account !== undefined ? `/accounts/:id/${sub.topic}` : `/${sub.topic}`;
  const route = ROUTES.get(pattern);
  if (route === undefined) throw new Error(`no route ${pattern}`);
  const params = sub.account !== undefined ? [sub.account] : [];
  return {route, params, query, path: pattern.replace(":id", sub.account ?? "")};
}

export class ReplayError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "ReplayError";
  }
}

/**
 * Up to `limit` records after `cursor` that belong to ledgers up to `bound`. `done` once the
 * history up to `bound` is exhausted: the page was short, or it reached past `bound`.
 */
export async function replayPage(api: ApiAccess, sub: Subscription, cursor: string, limit: number, bound: number): Promise<{items: StreamItem[]; done: boolean}> {
  const {route, params, query, path} = routeOf(sub, cursor, limit);
  const ctx: RouteContext = {modules: api.modules, opts: api.opts, base: api.base(), params, query, path, accept: "application/json"};
  const reply = await route.handle(ctx);
  const body = typeof reply.body === "string" ? reply.body : reply.body.toString("utf8");
  if (reply.status !== 200) {
    const problem = JSON.parse(body) as {detail?: string; extras?: {invalid_field?: string; reason?: string}};
    throw new ReplayError(reply.status, problem.extras?.reason ?? problem.detail ?? `history answered ${reply.status}`);
  }
  const records = (JSON.parse(body) as {_embedded: {records: {paging_token: string}[]}})._embedded.records;
  const items: StreamItem[] = [];
  let past = false;
  for (const r of records) {
    if (ledgerOfToken(r.paging_token) > bound) {
      past = true;
      break;
    }
    items.push({token: r.paging_token, json: JSON.stringify(r)});
  }
  return {items, done: past || records.length < limit};
}

