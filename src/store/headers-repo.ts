/** Ledger headers: seq → [1, LedgerHeader]; kept for every ledger, whatever the history retention. */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {LedgerHeader} from "../ledger/types.js";
import type {PageQuery} from "./types.js";
import {parseToid} from "./toid.js";
import {appendPut, fieldsOf} from "./codec.js";

const VERSIONS = [1] as const;

function decode(raw: unknown): LedgerHeader {
  return fieldsOf("headers", raw, VERSIONS).fields[0] as LedgerHeader;
}

export class HeadersRepo {
  readonly db: Database<unknown, number>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "headers"});
  }

  get(seq: number, txn?: Transaction): LedgerHeader | undefined {
    const raw = this.db.get(seq, txn ? {transaction: txn} : undefined);
    return raw === undefined ? undefined : decode(raw);
  }

  /** Inside a write batch. */
  write(header: LedgerHeader): void {
    // Sequences only grow: appended, pages are filled rather than split.
    appendPut(this.db, header.seq, [1, header]);
  }

  page(page: PageQuery, txn?: Transaction): LedgerHeader[] {
    let cursorSeq: number | undefined;
    if (page.cursor !== undefined) {
      const t = parseToid(page.cursor);
      cursorSeq = t ? t.ledger : undefined;
    }
    const range =
      page.order === "asc"
        ? {start: cursorSeq === undefined ? 0 : cursorSeq + 1, limit: page.limit, transaction: txn}
        : {start: cursorSeq === undefined ? Number.MAX_SAFE_INTEGER : cursorSeq - 1, reverse: true, limit: page.limit, transaction: txn};
    return [...this.db.getRange(range).map(({value}) => decode(value))];
  }
}
