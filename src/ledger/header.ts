import {createHash} from "node:crypto";
import {encodeEntry, encodeHeader, CanonicalWriter} from "./encode.js";
import type {EntryKey, LedgerEntry, LedgerHeader} from "./types.js";

export const ZERO_HASH_HEX = "0".repeat(64);

/** sha256 (hex) of the canonical encoding of every header field except `hash` itself. */
export function headerHash(h: LedgerHeader): string {
  return createHash("sha256").update(encodeHeader(h)).digest("hex");
}

/**
 * sha256 (hex) over the changes of one ledger, sorted by key (plain string order of EntryKey,
 * which is ASCII): for each, the key, then 1 ‖ canonical entry, or 0 for a deletion.
 */
export function stateHashOf(changes: Map<EntryKey, LedgerEntry | null>): string {
  const keys = [...changes.keys()].sort();
  const h = createHash("sha256");
  for (const key of keys) {
    const entry = changes.get(key) ?? null;
    const kw = new CanonicalWriter(64);
    kw.str(key);
    h.update(kw.result());
    if (entry === null) {
      h.update(Buffer.of(0));
    } else {
      h.update(Buffer.of(1));
      h.update(encodeEntry(entry));
    }
  }
  return h.digest("hex");
}
