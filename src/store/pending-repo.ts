/**
 * Admitted, acknowledged transactions not yet in a ledger: hash hex → version byte ‖ envelope
 * bytes. Replayed into the queue at start, so a crash loses no acknowledged transaction.
 */
import type {Database, RootDatabase} from "lmdb";
import {StoreError, StoreErrorCode} from "./errors.js";

const V1 = 1;

export class PendingRepo {
  readonly db: Database<Buffer, string>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "pending", encoding: "binary"});
  }

  put(hashHex: string, envelope: Buffer): Promise<boolean> {
    const value = Buffer.allocUnsafe(envelope.length + 1);
    value[0] = V1;
    envelope.copy(value, 1);
    return this.db.put(hashHex, value);
  }

  /** Outside a batch: its own transaction; inside one: part of it. */
  remove(hashHex: string): Promise<boolean> {
    return this.db.remove(hashHex);
  }

  all(): Array<{hash: string; envelope: Buffer}> {
    const out: Array<{hash: string; envelope: Buffer}> = [];
    for (const {key, value} of this.db.getRange()) {
      if (value[0] !== V1) {
        throw new StoreError(StoreErrorCode.UNKNOWN_RECORD_VERSION, `pending record has codec version ${value[0]}; this build reads ${V1}`, {
          table: "pending",
          version: String(value[0]),
        });
      }
      out.push({hash: key, envelope: Buffer.from(value.subarray(1))});
    }
    return out;
  }
}
