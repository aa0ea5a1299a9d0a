/**
 * The local node's latest SCP statements per slot: slot → [1, envelopes (scp/codec bytes)].
 * Written synchronously (a durable LMDB commit) before the statements are sent (the herder
 * writes the statements of one event-loop turn together, then sends them), so a validator
 * that crashes and restarts resumes each open slot from what it last said and never contradicts
 * it; stellar-core keeps the same in its persisted SCP state. Only a few recent slots are kept.
 */
import type {Database, RootDatabase} from "lmdb";
import {fieldsOf} from "./codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

const VERSIONS = [1] as const;

/** Slots kept below the latest one written: open slots are the next ledger and a few after. */
export const SCP_STATE_SLOTS_KEPT = 16;

export class ScpStateRepo {
  readonly db: Database<unknown, number>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "scpstate"});
  }

  /**
   * Replaces the given slots' statements in one durable commit (one fsync however many slots),
   * before returning; drops slots far below the newest.
   */
  saveSync(slots: ReadonlyArray<{slot: number; envelopes: Buffer[]}>): void {
    if (slots.length === 0) return;
    const newest = Math.max(...slots.map((s) => s.slot));
    this.db.transactionSync(() => {
      for (const {slot, envelopes} of slots) void this.db.put(slot, [1, envelopes]);
      for (const key of this.db.getKeys({end: newest - SCP_STATE_SLOTS_KEPT})) void this.db.remove(key);
    });
  }

  /** Statements of every stored slot from `fromSlot` on, ascending. */
  load(fromSlot: number): Array<{slot: number; envelopes: Buffer[]}> {
    const out: Array<{slot: number; envelopes: Buffer[]}> = [];
    for (const {key, value} of this.db.getRange({start: fromSlot})) {
      const [envs] = fieldsOf("scpstate", value, VERSIONS).fields as [unknown];
      if (!Array.isArray(envs) || !envs.every((e) => e instanceof Uint8Array)) {
        throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `SCP state of slot ${key} is malformed`, {table: "scpstate"});
      }
      out.push({slot: key, envelopes: envs.map((e: Uint8Array) => Buffer.from(e))});
    }
    return out;
  }
}
