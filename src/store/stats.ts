/**
 * `diamante db stats`: where the bytes of a data folder go. Reads the LMDB file of a stopped (or
 * running) node read-only and reports, per database, its pages and bytes per record, and for the
 * file the pages no database uses (free pages LMDB may reuse, and pages pinned by old readers).
 */
import {closeSync, existsSync, openSync, readSync, statSync} from "node:fs";
import {join} from "node:path";
import {open, type RootDatabase} from "lmdb";
import {StoreError, StoreErrorCode} from "./errors.js";
import {MAX_TABLES} from "./options.js";

interface LmdbTreeStat {
  pageSize: number;
  treeDepth: number;
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  entryCount: number;
  overflowPages: number;
}

interface LmdbEnvStat extends LmdbTreeStat {
  root: LmdbTreeStat;
  lastPageNumber: number;
  free: LmdbTreeStat;
}

export interface TableStats {
  name: string;
  entries: number;
  pages: number;
  bytes: number;
  /** bytes / entries, pages included (0 for an empty table) */
  bytesPerRecord: number;
  depth: number;
}

export interface DbStats {
  file: string;
  fileBytes: number;
  pageSize: number;
  /** Pages the file has room for up to its high-water mark (last page number + 1). */
  totalPages: number;
  /** Pages that hold data: every table, the catalogue of tables and the free list's own tree. */
  livePages: number;
  /** Pages below the high-water mark that hold no data: reusable by later writes. */
  freePages: number;
  tables: TableStats[];
}

function pagesOf(s: LmdbTreeStat): number {
  return s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
}

function tableStats(name: string, s: LmdbTreeStat): TableStats {
  const pages = pagesOf(s);
  const bytes = pages * s.pageSize;
  return {name, entries: s.entryCount, pages, bytes, bytesPerRecord: s.entryCount === 0 ? 0 : bytes / s.entryCount, depth: s.treeDepth};
}

/** The LMDB file of a data folder; a clear error when the folder holds none. */
export function ledgerFile(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new StoreError(StoreErrorCode.NO_DATA, `no data folder at ${dir}`, {dir});
  }
  const file = join(dir, "ledger.mdb");
  if (!existsSync(file)) throw new StoreError(StoreErrorCode.NO_DATA, `${dir} holds no ledger.mdb; is it a node's data folder?`, {dir});
  // LMDB does not check what it maps: a file that is not an environment is refused here.
  if (!hasLmdbMagic(file)) throw new StoreError(StoreErrorCode.NO_DATA, `${file} is not an LMDB file`, {dir});
  return file;
}

/** LMDB's meta page magic 0xBEEFC0DE (little-endian) after the page header: 16 bytes, or 24 in lmdb-js's build. */
function hasLmdbMagic(file: string): boolean {
  const head = Buffer.alloc(32);
  const fd = openSync(file, "r");
  try {
    if (readSync(fd, head, 0, 32, 0) < 32) return false;
  } finally {
    closeSync(fd);
  }
  return head.readUInt32LE(16) === 0xbeefc0de || head.readUInt32LE(24) === 0xbeefc0de;
}

/** Page and record figures of every database in a data folder's LMDB file (opened read-only). */
export async function dbStats(dir: string): Promise<DbStats> {
  const file = ledgerFile(dir);
  let root;
  try {
    root = open({path: file, readOnly: true, maxDbs: MAX_TABLES});
  } catch (e) {
    throw new StoreError(StoreErrorCode.NO_DATA, `${file} is not a readable LMDB file: ${(e as Error).message}`, {dir});
  }
  try {
    return collectStats(root, file);
  } finally {
    await root.close();
  }
}

/** Page and record figures of an open environment. */
export function collectStats(root: RootDatabase, file: string): DbStats {
  const env = root.getStats() as LmdbEnvStat;
  const tables: TableStats[] = [];
  // The main database's keys are the names of the named databases; collected first: opening a
  // database inside the scan would end the scan's read transaction.
  const names = [...root.getKeys()].filter((k): k is string => typeof k === "string");
  for (const name of names) tables.push(tableStats(name, root.openDB({name}).getStats() as LmdbTreeStat));
  // Two meta pages, the catalogue (main db), the free list's tree, then the tables.
  const livePages = 2 + pagesOf(env.root) + pagesOf(env.free) + tables.reduce((n, t) => n + t.pages, 0);
  const totalPages = env.lastPageNumber + 1;
  return {
    file,
    fileBytes: statSync(file).size,
    pageSize: env.pageSize,
    totalPages,
    livePages,
    freePages: Math.max(0, totalPages - livePages),
    tables: tables.sort((a, b) => b.bytes - a.bytes),
  };
}

/** Human-readable report of `dbStats`. */
export function formatDbStats(s: DbStats): string {
  const mb = (b: number) => (b / 1024 ** 2).toFixed(1) + " MiB";
  const lines = [
    `file        ${s.file}`,
    `size        ${mb(s.fileBytes)} (${s.fileBytes} bytes)`,
    `page size   ${s.pageSize}`,
    `pages       ${s.totalPages} used up to the high-water mark`,
    `live pages  ${s.livePages} (${mb(s.livePages * s.pageSize)})`,
    `free pages  ${s.freePages} (${mb(s.freePages * s.pageSize)})`,
    "",
    "table        records      pages     bytes/record  depth",
  ];
  for (const t of s.tables) {
    lines.push(
      `${t.name.padEnd(12)} ${String(t.entries).padStart(10)} ${String(t.pages).padStart(10)} ${t.bytesPerRecord.toFixed(1).padStart(16)} ${String(t.depth).padStart(6)}`,
    );
  }
  return lines.join("\n") + "\n";
}
