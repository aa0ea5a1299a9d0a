/**
 * Horizon's collection page: `_embedded.records` plus self/next/prev links. `next` continues
 * after the last record in the same order, `prev` goes back from the first record in the
 * opposite order; on an empty page both keep the request's cursor so a client can poll `next`.
 */
import type {PageQuery} from "../../store/types.js";
import {link, type Link} from "./links.js";

export interface PageRecord<T> {
  _links: {self: Link; next: Link; prev: Link};
  _embedded: {records: T[]};
}

function pageHref(path: string, cursor: string, limit: number, order: string, extra: [string, string][]): string {
  const q = new URLSearchParams();
  q.set("cursor", cursor);
  for (const [k, v] of extra) q.append(k, v);
  q.set("limit", String(limit));
  q.set("order", order);
  return `${path}?${q.toString()}`;
}

export interface PageLinkOptions {
  /** Query parameters to carry into the links besides cursor/limit/order (every other one the request had). */
  extra?: [string, string][];
  /**
   * Where `next` resumes when it is not the last record's token: a filtered scan may have
   * passed records it hid, and resuming after them avoids scanning them again.
   */
  nextCursor?: string;
}

export function pageRecord<T extends {paging_token: string}>(
  base: string,
  path: string,
  page: PageQuery,
  records: T[],
  options: PageLinkOptions = {},
): PageRecord<T> {
  const extra = options.extra ?? [];
  const cursor = page.cursor ?? "";
  const first = records.length > 0 ? records[0].paging_token : cursor;
  const last = options.nextCursor ?? (records.length > 0 ? records[records.length - 1].paging_token : cursor);
  const reverse = page.order === "asc" ? "desc" : "asc";
  return {
    _links: {
      self: link(base, pageHref(path, cursor, page.limit, page.order, extra)),
      next: link(base, pageHref(path, last, page.limit, page.order, extra)),
      prev: link(base, pageHref(path, first, page.limit, reverse, extra)),
    },
    _embedded: {records},
  };
}
