/**
 * Every value the store writes is an array whose first element is its codec version:
 * `[version, ...fields]`. A build that changes a record's layout adds a version and keeps
 * decoding the old ones, so a data folder never needs rewriting in one go.
 */
import type {Database, Key, PutOptions} from "lmdb";
import {StoreError, StoreErrorCode} from "./errors.js";

/** The fields after the version tag, or a StoreError naming the table and the version met. */
export function fieldsOf(table: string, raw: unknown, known: readonly number[]): {version: number; fields: unknown[]} {
  if (!Array.isArray(raw) || typeof raw[0] !== "number" || !known.includes(raw[0])) {
    const version = Array.isArray(raw) ? raw[0] : undefined;
    throw new StoreError(StoreErrorCode.UNKNOWN_RECORD_VERSION, `${table} record has codec version ${String(version)}; this build reads ${known.join(", ")}`, {
      table,
      version: String(version),
    });
  }
  return {version: raw[0], fields: raw.slice(1)};
}

/** lmdb-js takes put options (PutOptions) at run time; its typings only declare a version number there. */
interface PutWithOptions<K> {
  put(key: K, value: unknown, options: PutOptions): Promise<boolean>;
}

/**
 * Inside a write batch: writes a key greater than every key of `db` (MDB_APPEND). LMDB then fills
 * each page instead of splitting it in half; a key out of order fails the whole batch.
 */
export function appendPut<K extends Key>(db: Database<unknown, K>, key: K, value: unknown): void {
  void (db as unknown as PutWithOptions<K>).put(key, value, {append: true});
}
