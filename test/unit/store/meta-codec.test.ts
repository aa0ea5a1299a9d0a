import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Claimant, Keypair, Operation, type xdr} from "@stellar/stellar-base";
import {pack, unpack} from "msgpackr";
import {decodeMeta, encodeMeta, encodeMetaBytes, magnitudeBytes} from "../../../src/store/meta-codec.js";
import {feeMetaXdr, transactionMetaXdr, type TxMeta} from "../../../src/ledger/meta.js";
import type {LedgerEntry} from "../../../src/ledger/types.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";
import {TestLedger} from "../tx/harness.js";
import {prng} from "../../helpers/prng.js";
import {referenceMetaBytes} from "./meta-bytes-reference.js";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

/** Bytes come back from msgpack as Buffers: compare them as such. */
function normal(meta: TxMeta): unknown {
  return JSON.parse(
    JSON.stringify(meta, (_k, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      // Buffer.toJSON has run before the replacer sees a Buffer.
      if (v instanceof Uint8Array) return "bytes:" + Buffer.from(v).toString("hex");
      const b = v as {type?: string; data?: number[]} | null;
      if (b !== null && typeof b === "object" && b.type === "Buffer" && Array.isArray(b.data)) return "bytes:" + Buffer.from(b.data).toString("hex");
      return v;
    }),
  );
}

/** Through the version 3 codec and msgpack, as a txs record of version 3 stores it. */
function roundTripV3(meta: TxMeta): TxMeta {
  return decodeMeta(unpack(pack(encodeMeta(meta))));
}

/**
 * Through the bytes codec and msgpack, as a txs record of version 4 stores it; the version 3
 * form of the same meta must read back the same.
 */
function roundTrip(meta: TxMeta): TxMeta {
  assert.ok(encodeMetaBytes(meta).equals(referenceMetaBytes(meta)), "the same bytes as the first version 4 writer");
  const back = decodeMeta(unpack(pack(encodeMetaBytes(meta))) as unknown);
  assert.deepEqual(normal(roundTripV3(meta)), normal(back), "versions 3 and 4 read back alike");
  return back;
}

describe("tx meta codec", () => {
  it("gives back the meta apply captured, so the XDR built on read is byte-identical", () => {
    const l = new TestLedger();
    const [alice, bob, carol] = [Keypair.random(), Keypair.random(), Keypair.random()];
    l.fund([alice, bob, carol]);
    const r = l.close([
      l.build(alice, [Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "12.5"})]),
      l.build(bob, [
        Operation.setOptions({signer: {ed25519PublicKey: alice.publicKey(), weight: 2}, homeDomain: "example.org", masterWeight: 3}),
        Operation.manageData({name: "k", value: Buffer.from([0, 1, 2, 255])}),
        Operation.bumpSequence({bumpTo: "0"}),
      ]),
      l.build(carol, [Operation.manageData({name: "gone", value: "x"}), Operation.manageData({name: "gone", value: null}), Operation.accountMerge({destination: alice.publicKey()})]),
    ]);
    assert.equal(r.applied.length, 3);
    for (const a of r.applied) {
      assert.ok(a.meta, "apply captured meta");
      const back = roundTrip(a.meta);
      assert.deepEqual(normal(back), normal(a.meta));
      assert.ok(transactionMetaXdr(back, l.header.seq).equals(transactionMetaXdr(a.meta, l.header.seq)));
      assert.ok(feeMetaXdr(back, l.header.seq).equals(feeMetaXdr(a.meta, l.header.seq)));
    }
    // Apply order is the tx set's, not the list's: carol's merge and data removal are in one of them.
    assert.ok(r.applied.every((a) => a.successful));
    const removals = r.applied.flatMap((a) => a.meta!.operations.flat()).filter((d) => d.after === null);
    assert.deepEqual(removals.map((d) => d.before?.type).sort(), ["account", "data"]);
  });

  it("lists an entry whole once, then only the fields that changed", () => {
    const l = new TestLedger();
    const [alice, bob] = [Keypair.random(), Keypair.random()];
    l.fund([alice, bob]);
    const r = l.close([l.build(alice, [Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "1"})])]);
    const meta = r.applied[0]!.meta!;
    const [fee, before, ops] = encodeMeta(meta) as unknown as [unknown[][], unknown[][], unknown[][][]];
    const states = [...fee, ...before, ...ops.flat()].flat() as unknown[][];
    const fields = (st: unknown[]): number => (st.length - 1) / 2;
    // Six states of the payer (fee, sequence, payment) and two of the payee.
    assert.equal(states.length, 8);
    const whole = states.filter((st) => fields(st) >= 14);
    assert.equal(whole.length, 1, "the payer listed whole once");
    const templated = states.filter((st) => (st[0] as number) < 0);
    assert.equal(templated.length, 1, "the payee listed as its differences from the payer");
    assert.ok(fields(templated[0]!) <= 7, `the payee's first state lists ${fields(templated[0]!)} fields`);
    for (const st of states) {
      if (!whole.includes(st) && !templated.includes(st)) assert.ok(fields(st) <= 4, `a later state lists ${fields(st)} fields`);
    }
    const size = pack(encodeMeta(meta)).length;
    assert.ok(size < 240, `a payment's meta packs into ${size} bytes`);
    const bytes = encodeMetaBytes(meta).length;
    assert.ok(bytes < size, `a payment's meta in bytes (${bytes}) is smaller than as arrays (${size})`);
    assert.deepEqual(normal(decodeMeta(encodeMetaBytes(meta))), normal(meta));
  });

  it("keeps entries of kinds it does not know, fields absent in a later state, and nested values", () => {
    const offer = {type: "offer", sellerId: Keypair.random().publicKey(), offerId: 7n, amount: 10n, price: {n: 1, d: 3}, note: "extra", lastModifiedLedger: 4};
    const later = {type: "offer", sellerId: offer.sellerId, offerId: 7n, amount: -(2n ** 70n), price: {n: 2, d: 3}, lastModifiedLedger: 9, extra: null};
    const meta = {
      fee: [],
      before: [{before: null, after: offer as unknown as LedgerEntry}],
      operations: [[{before: offer as unknown as LedgerEntry, after: later as unknown as LedgerEntry}], [{before: later as unknown as LedgerEntry, after: null}]],
    } as unknown as TxMeta;
    const back = roundTrip(meta);
    assert.deepEqual(normal(back), normal(meta));
    assert.equal((back.operations[0]![0]!.after as unknown as {amount: bigint}).amount, -(2n ** 70n));
  });

  it("reads states back whatever the field order of each entry, and nested objects by content", () => {
    // Entries of one type in two field orders, alternating (each state is diffed against the last
    // one of its entry or, for a new entry, the state written just before it), and nested objects
    // that are equal but not the same object, or differ in one field, or in their set of fields.
    const seller = Keypair.random().publicKey();
    const a = {type: "offer", sellerId: seller, offerId: 1n, amount: 5n, price: {n: 1, d: 2}, flags: 0, lastModifiedLedger: 3};
    const b = {type: "offer", offerId: 2n, sellerId: seller, price: {n: 1, d: 2}, amount: 6n, flags: 0, lastModifiedLedger: 3};
    const a2 = {...a, price: {n: 1, d: 2}, amount: 4n};
    const b2 = {type: "offer", sellerId: seller, offerId: 2n, amount: 6n, price: {d: 2, n: 1}, flags: 1, lastModifiedLedger: 4};
    const a3 = {offerId: 1n, type: "offer", sellerId: seller, amount: 4n, price: {n: 1, d: 2, x: 0}, flags: 0, lastModifiedLedger: 3};
    const c = {type: "offer", sellerId: seller, offerId: 3n, amount: 7n, price: {n: 3, d: 1}, flags: 0, lastModifiedLedger: 3};
    const e = (o: object): LedgerEntry => o as unknown as LedgerEntry;
    const meta = {
      fee: [{before: e(a), after: e(a2)}],
      before: [{before: e(b), after: e(b2)}, {before: null, after: e(c)}],
      operations: [[{before: e(a2), after: e(a3)}, {before: e(b2), after: e(b)}], [{before: e(c), after: e(a)}]],
    } as unknown as TxMeta;
    for (let i = 0; i < 2; i++) {
      // Twice: the second pass starts from the field lists the first one left cached.
      const back = roundTrip(meta);
      assert.deepEqual(normal(back), normal(meta));
    }
  });

  it("keeps trustlines, offers and claimable balances through the store's own encoding", async () => {
    const issuer = Keypair.random().publicKey();
    const owner = Keypair.random().publicKey();
    const usd = {type: "credit_alphanum4", code: "USD", issuer} as const;
    const trust: LedgerEntry = {type: "trustline", accountId: owner, asset: usd, balance: 5n, limit: 2n ** 63n - 1n, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 3n, lastModifiedLedger: 3};
    const offer: LedgerEntry = {type: "offer", sellerId: owner, offerId: 9n, selling: usd, buying: {type: "native"}, amount: 2n, price: {n: 1, d: 2}, flags: 0, lastModifiedLedger: 3};
    const cb: LedgerEntry = {
      type: "claimable_balance",
      balanceId: "ab".repeat(32),
      claimants: [
        {destination: owner, predicate: {type: "and", predicates: [{type: "before_absolute_time", time: 5n}, {type: "not", predicate: {type: "before_relative_time", seconds: 2n ** 40n}}]}},
        {destination: issuer, predicate: {type: "unconditional"}},
      ],
      asset: usd,
      amount: 7n,
      flags: 0,
      sponsor: owner,
      lastModifiedLedger: 4,
    };
    const meta: TxMeta = {
      fee: [],
      before: [],
      operations: [
        [
          {before: null, after: cb},
          {before: offer, after: {...offer, amount: 1n, price: {n: 3, d: 2}}},
          {before: trust, after: {...trust, balance: 4n, sellingLiabilities: 0n}},
        ],
        [{before: cb, after: null}, {before: {...offer, amount: 1n, price: {n: 3, d: 2}}, after: null}],
      ],
    };
    const {open} = await import("lmdb");
    const dir = mkdtempSync(join(tmpdir(), "diamante-meta-codec-"));
    const db = open({path: join(dir, "t.mdb")});
    try {
      await db.put(1, [3, encodeMeta(meta)]);
      await db.put(2, [4, encodeMetaBytes(meta)]);
      assert.deepEqual(normal(decodeMeta((db.get(1) as unknown[])[1])), normal(meta));
      const back = decodeMeta((db.get(2) as unknown[])[1]);
      assert.deepEqual(normal(back), normal(meta));
      const pred = (back.operations[0]![0]!.after as typeof cb).claimants[0]!.predicate;
      assert.equal(pred.type === "and" && pred.predicates[0]!.type === "before_absolute_time" && pred.predicates[0]!.time, 5n);
    } finally {
      await db.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it("writes every int64 as its length and big-endian magnitude, the same bytes on each side of 2^32 and 2^53", () => {
    // A fixed seller: the offer id's bytes are found by search, so a random key holding them (0x01 0x09) would be found first.
    const sellerKey = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 7));
    assert.equal(sellerKey.rawPublicKey().indexOf(Buffer.concat([Buffer.from([1]), magnitudeBytes(9n)])), -1);
    const seller = sellerKey.publicKey();
    const values = [0n, 1n, 255n, 256n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 40n + 5n, 10n ** 15n + 3n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n];
    for (const v of [...values, ...values.map((x) => -x)]) {
      // A new entry lists its fields whole: its amount is written as 1 length byte and magnitudeBytes.
      const offer = {type: "offer", sellerId: seller, offerId: 9n, amount: v, lastModifiedLedger: 2} as unknown as LedgerEntry;
      const meta = {fee: [], before: [{before: null, after: offer}], operations: []} as unknown as TxMeta;
      const bytes = encodeMetaBytes(meta);
      const magnitude = magnitudeBytes(v);
      const want = Buffer.concat([Buffer.from([magnitude.length]), magnitude]);
      const idBytes = Buffer.concat([Buffer.from([1]), magnitudeBytes(9n)]);
      const amountAt = bytes.indexOf(idBytes) + idBytes.length;
      assert.ok(amountAt > idBytes.length - 1, `offer id found in ${bytes.toString("hex")}`);
      // After the id: the amount's ref (field 29, form 1 or 6: a 2-byte varuint), then its bytes.
      assert.deepEqual(bytes.subarray(amountAt + 2, amountAt + 2 + want.length), want, `amount ${v} in ${bytes.toString("hex")}`);
      const back = decodeMeta(bytes).before[0]!.after as unknown as {amount: bigint};
      assert.equal(back.amount, v);
    }
  });

  it("writes byte for byte what the first version 4 writer wrote, over a seeded market run", () => {
    // Records written by earlier builds and by this one must read back alike: every meta of a
    // varied run (payments, offers crossing and removed, path payments, claimable balances, trust
    // changes, data, merges) encodes to the reference writer's exact bytes.
    const seed = 0x5eed18;
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
    const l = new TestLedger();
    const key = (): Keypair => Keypair.fromRawEd25519Seed(Buffer.from(Array.from({length: 32}, () => int(256))));
    const anchor = key();
    const traders = Array.from({length: 24}, key);
    const USD = new Asset("USD", anchor.publicKey());
    const EURO = new Asset("EURO12345", anchor.publicKey());
    l.fund([anchor, ...traders], "10000");
    l.close(traders.map((t) => l.build(t, [USD, EURO].map((a) => Operation.changeTrust({asset: a, limit: "100000"})))));
    l.close([l.build(anchor, traders.flatMap((t) => [USD, EURO].map((a) => Operation.payment({destination: t.publicKey(), asset: a, amount: "5000"}))))]);
    const amount = (): string => String(1 + int(40));
    const price = (): {n: number; d: number} => ({n: 1 + int(5), d: 1 + int(5)});
    const assets = [Asset.native(), USD, EURO];
    const opFor = (others: Keypair[]): xdr.Operation => {
      const other = pick(others);
      switch (int(12)) {
        case 0:
        case 1:
          return Operation.payment({destination: other.publicKey(), asset: pick(assets), amount: amount()});
        case 2:
        case 3: {
          const selling = pick(assets);
          const buying = pick(assets.filter((a) => !a.equals(selling)));
          return Operation.manageSellOffer({selling, buying, amount: int(5) === 0 ? "0" : amount(), price: price(), ...(int(3) === 0 ? {offerId: String(1 + int(40))} : {})});
        }
        case 4:
          return Operation.manageBuyOffer({selling: pick([USD, EURO]), buying: Asset.native(), buyAmount: amount(), price: price()});
        case 5:
          return Operation.pathPaymentStrictSend({sendAsset: pick(assets), sendAmount: amount(), destination: other.publicKey(), destAsset: pick(assets), destMin: "0.0000001", path: int(2) === 0 ? [] : [Asset.native()]});
        case 6:
          return Operation.pathPaymentStrictReceive({sendAsset: pick(assets), sendMax: "1000", destination: other.publicKey(), destAsset: pick(assets), destAmount: "1", path: []});
        case 7:
          return Operation.createClaimableBalance({asset: pick(assets), amount: amount(), claimants: [new Claimant(other.publicKey(), Claimant.predicateNot(Claimant.predicateBeforeRelativeTime("1")))]});
        case 8:
          return Operation.manageData({name: `k${int(4)}`, value: int(3) === 0 ? null : Buffer.from([int(256), int(256)])});
        case 9:
          return Operation.setOptions({homeDomain: int(2) === 0 ? "" : `d${int(9)}.example`, ...(int(2) === 0 ? {signer: {ed25519PublicKey: other.publicKey(), weight: int(3)}} : {})});
        case 10:
          return Operation.changeTrust({asset: pick([USD, EURO]), limit: int(4) === 0 ? "0" : "200000"});
        default:
          return Operation.bumpSequence({bumpTo: "0"});
      }
    };
    let metas = 0;
    /** Kinds of change met ("offer removed", "claimable_balance created", …): the run must cover them. */
    const met = new Set<string>();
    for (let n = 0; n < 8; n++) {
      const live = traders.filter((t) => l.account(t.publicKey()) !== undefined);
      const txs = live.map((src) =>
        l.build(
          src,
          Array.from({length: 1 + int(3)}, () => opFor([anchor, ...live.filter((t) => t !== src)])),
        ),
      );
      // The anchor creates an account with data in one ledger; it drops the data and merges away in the next.
      const temp = Keypair.fromRawEd25519Seed(Buffer.alloc(32, n + 1));
      txs.push(l.build(anchor, [Operation.createAccount({destination: temp.publicKey(), startingBalance: "20"}), Operation.manageData({name: "t", value: "v", source: temp.publicKey()})], {signers: [anchor, temp]}));
      if (n > 0) {
        const prev = Keypair.fromRawEd25519Seed(Buffer.alloc(32, n));
        txs.push(l.build(prev, [Operation.manageData({name: "t", value: null}), Operation.accountMerge({destination: anchor.publicKey()})]));
      }
      const r = l.close(txs);
      for (const a of r.applied) {
        assert.ok(a.meta, "apply captured meta");
        assert.ok(encodeMetaBytes(a.meta).equals(referenceMetaBytes(a.meta)), `tx ${a.hashHex} of ledger ${r.header.seq} (seed ${seed})`);
        metas++;
        for (const d of [...a.meta.fee, ...a.meta.before, ...a.meta.operations.flat()]) {
          met.add(`${(d.before ?? d.after)!.type} ${d.before === null ? "created" : d.after === null ? "removed" : "updated"}`);
        }
      }
    }
    assert.ok(metas > 150, `${metas} metas compared`);
    for (const kind of ["offer created", "offer updated", "offer removed", "claimable_balance created", "account removed", "trustline updated", "data created", "data removed"]) {
      assert.ok(met.has(kind), `the run met "${kind}" (met: ${[...met].join(", ")})`);
    }
  });

  it("refuses a malformed meta with a clear error", () => {
    for (const bad of [null, [], [[], []], [[[[5]]], [], []], [[[[-3, 8, 1]]], [], []], [[[[0, 999, 1]]], [], []], [[[[0, 8 * 1 + 2, Buffer.alloc(3)]]], [], []], [[[[0, 8 * 0 + 5, 99]]], [], []]]) {
      assert.throws(
        () => decodeMeta(bad),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.CORRUPT_RECORD,
        JSON.stringify(bad),
      );
    }
  });
  it("refuses malformed meta bytes with a clear error", () => {
    const l = new TestLedger();
    const [alice, bob] = [Keypair.random(), Keypair.random()];
    l.fund([alice, bob]);
    const r = l.close([l.build(alice, [Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "1"})])]);
    const good = encodeMetaBytes(r.applied[0]!.meta!);
    const bads = [
      Buffer.alloc(0),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.from([1, 6]), // one fee delta whose before names slot 2 before slot 0
      Buffer.from([1, 3]), // a template slot not yet seen
      Buffer.from([1, 2, 1 + 8 * 999, 0]), // a field index unknown to this build
      Buffer.from([1, 2, 1 + 8 * 0 + 5, 99, 0]), // a word unknown to this build
      Buffer.from([1, 2, 1 + 8 * 7, 42, 0]), // a plain value with an unknown tag
    ];
    for (const bad of bads) {
      assert.throws(
        () => decodeMeta(bad),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.CORRUPT_RECORD,
        bad.toString("hex"),
      );
    }
  });
});
