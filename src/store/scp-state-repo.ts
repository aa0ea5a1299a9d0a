/**
 * The local node's latest SCP statements per slot: slot → [1, envelopes (scp/codec bytes)].
 * Durable before the statements are sent (the herder writes the statements of one event-loop
 * turn together, then sends them), so a validator that crashes and restarts resumes each open
 * slot from what it last said and never contradicts it; stellar-core keeps the same in its
 * persisted SCP state. Only a few recent slots are kept.
 *
 * A validator keeps them in a small LMDB environment of their own (`ScpStateStore`,
 * scp-state.mdb in the data folder). In the ledger's environment a statement's synchronous
 * commit waited for LMDB's write lock, held by the ledger commit in flight (hundreds of ms under
 * load), on the main thread. Its own environment has no other writer: the commit is a few pages
 * and their sync. Written asynchronously by lmdb-js's write thread instead (tried), the commit
 * left the main thread but a statement then waited for the thread pool and for the main thread
 * to come back to the resolution, often after a ledger apply: 80-180 ms per write against 23-25
 * ms synchronous on the same shared box, and slots took longer. The `scpstate` table of the
 * ledger's environment, where builds before this one wrote, is still read at start.
 */
import {join} from "node:path";
import {mkdirSync} from "node:fs";
import {open, type Database, type RootDatabase} from "lmdb";
import {fieldsOf} from "./codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

const VERSIONS = [1] as const;

/** Slots kept below the latest one written: open slots are the next ledger and a few after. */
export const SCP_STATE_SLOTS_KEPT = 16;

/** The SCP state environment's file in a data folder. */
export const SCP_STATE_FILE = "scp-state.mdb";

export interface SlotStatements {
  slot: number;
  envelopes: Buffer[];
}

export class ScpStateRepo {
  readonly db: Database<unknown, number>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "scpstate"});
  }

  /**
   * Replaces the given slots' statements in one durable commit (one fsync however many slots),
   * before returning; drops slots far below the newest.
   */
  saveSync(slots: ReadonlyArray<SlotStatements>): void {
    if (slots.length === 0) return;
    const newest = Math.max(...slots.map((s) => s.slot));
    this.db.transactionSync(() => {
      for (const {slot, envelopes} of slots) void this.db.put(slot, [1, envelopes]);
      for (const key of this.db.getKeys({end: newest - SCP_STATE_SLOTS_KEPT})) void this.db.remove(key);
    });
  }

  /** Statements of every stored slot from `fromSlot` on, ascending. */
  load(fromSlot: number): SlotStatements[] {
    const out: SlotStatements[] = [];
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

/**
 * A validator's SCP state in its own environment (scp-state.mdb). `save` commits synchronously
 * with overlappingSync off: when it returns, the data is on disk (LMDB syncs at commit). No
 * other writer shares the environment, so a save never waits for a ledger commit.
 */
export class ScpStateStore {
  private readonly root: RootDatabase;
  private readonly repo: ScpStateRepo;

  /** `legacy`: the ledger environment's table, where builds before this one wrote; read, never written. */
  constructor(
    dir: string,
    private readonly legacy?: {load(fromSlot: number): SlotStatements[]},
  ) {
    mkdirSync(dir, {recursive: true});
    this.root = open({
      path: join(dir, SCP_STATE_FILE),
      // A few slots of a few KiB each; LMDB reserves address space, not disk.
      mapSize: 64 * 1024 ** 2,
      maxDbs: 2,
      overlappingSync: false,
    });
    this.repo = new ScpStateRepo(this.root);
  }

  /** Durable when the promise settles, which it does at once: the commit is synchronous. */
  save(slots: ReadonlyArray<SlotStatements>): Promise<void> {
    try {
      this.repo.saveSync(slots);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Slots from `fromSlot` on; a slot this environment lacks is taken from the legacy table. */
  load(fromSlot: number): SlotStatements[] {
    const own = this.repo.load(fromSlot);
    const old = this.legacy?.load(fromSlot) ?? [];
    if (old.length === 0) return own;
    const have = new Set(own.map((s) => s.slot));
    return [...own, ...old.filter((s) => !have.has(s.slot))].sort((a, b) => a.slot - b.slot);
  }

  close(): Promise<void> {
    return this.root.close();
  }
}
