/**
 * The canonical encoding hashed into stateHash and the header hash: its bytes must never change.
 * Integers and strings are written in place (no bigint arithmetic, no Buffer per string); these
 * pin the bytes against Node's own bigint writers and Buffer.from, the layout the hash was
 * defined with.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import {CanonicalWriter, encodeEntry} from "../../../src/ledger/encode.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";

const INTS = [0n, 1n, 255n, 256n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 10n ** 15n + 7n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n];

function reference(write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(8);
  write(b);
  return b;
}

describe("canonical encoding", () => {
  it("writes int64 and uint64 as 8 bytes big-endian, as writeBigInt64BE / writeBigUInt64BE", () => {
    for (const v of INTS) {
      assert.deepEqual(new CanonicalWriter().i64(v).result(), reference((b) => b.writeBigInt64BE(v)), `i64 ${v}`);
      assert.deepEqual(new CanonicalWriter().u64(v).result(), reference((b) => b.writeBigUInt64BE(v)), `u64 ${v}`);
      assert.deepEqual(new CanonicalWriter().i64(-v).result(), reference((b) => b.writeBigInt64BE(-v)), `i64 ${-v}`);
    }
    assert.deepEqual(new CanonicalWriter().u64(2n ** 64n - 1n).result(), Buffer.alloc(8, 0xff));
    assert.deepEqual(new CanonicalWriter().i64(-(2n ** 63n)).result(), reference((b) => b.writeBigInt64BE(-(2n ** 63n))));
    assert.throws(() => new CanonicalWriter().i64(2n ** 63n), RangeError);
    assert.throws(() => new CanonicalWriter().u64(-1n), RangeError);
  });

  it("writes a string as its UTF-8 byte length and bytes, multi-byte characters and lone surrogates included", () => {
    const strings = ["", "a:GABC", "héllo", "日本語のドメイン", "emoji 🚀 pair", "lone \ud800 surrogate", "x".repeat(300)];
    for (const s of strings) {
      const utf8 = Buffer.from(s, "utf8");
      const want = Buffer.concat([reference((b) => b.writeUInt32BE(utf8.length, 0)).subarray(0, 4), utf8]);
      assert.deepEqual(new CanonicalWriter(1).str(s).result(), want, JSON.stringify(s));
    }
    // Many values in one writer that grows from a small buffer: every one lands where it should.
    const w = new CanonicalWriter(8);
    for (const s of strings) w.str(s).i64(2n ** 40n + 3n);
    const parts: Buffer[] = [];
    for (const s of strings) {
      const utf8 = Buffer.from(s, "utf8");
      parts.push(reference((b) => b.writeUInt32BE(utf8.length, 0)).subarray(0, 4), utf8, reference((b) => b.writeBigInt64BE(2n ** 40n + 3n)));
    }
    assert.deepEqual(w.result(), Buffer.concat(parts));
  });

  it("encodes an account entry with the layout the state hash was defined with", () => {
    const id = Keypair.random().publicKey();
    const a = {...newAccountEntry(id, 12_345_678_901_234n, 2n ** 40n + 9n, 7), homeDomain: "dömain.example", buyingLiabilities: 2n ** 53n + 1n};
    const str = (s: string): Buffer => {
      const u = Buffer.from(s, "utf8");
      const n = Buffer.alloc(4);
      n.writeUInt32BE(u.length);
      return Buffer.concat([n, u]);
    };
    const i64 = (v: bigint): Buffer => reference((b) => b.writeBigInt64BE(v));
    const u64 = (v: bigint): Buffer => reference((b) => b.writeBigUInt64BE(v));
    const u32 = (v: number): Buffer => reference((b) => b.writeUInt32BE(v, 0)).subarray(0, 4);
    const want = Buffer.concat([
      Buffer.from([1]),
      str(a.accountId),
      i64(a.balance),
      i64(a.seqNum),
      u32(a.numSubEntries),
      a.inflationDest === null ? Buffer.from([0]) : Buffer.concat([Buffer.from([1]), str(a.inflationDest)]),
      u32(a.flags),
      str(a.homeDomain),
      Buffer.from([a.thresholds.master, a.thresholds.low, a.thresholds.med, a.thresholds.high]),
      u32(a.signers.length),
      i64(a.buyingLiabilities),
      i64(a.sellingLiabilities),
      u32(a.seqLedger),
      u64(a.seqTime),
      u32(a.lastModifiedLedger),
      u32(a.numSponsoring ?? 0),
    ]);
    assert.deepEqual(encodeEntry(a), want);
  });
});
