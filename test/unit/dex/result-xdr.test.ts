/**
 * The XDR the offer and path payment results carry is built from shared asset XDR and without a
 * LedgerEntry wrapper; its bytes must be those the ledger's own entry and asset XDR give.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair, xdr} from "@stellar/stellar-base";
import {appliedAtomOf, claimAtomXdr, offerResultXdr, resultAssetXdr} from "../../../src/dex/crossing.js";
import {assetXdr, accountIdXdr, ledgerEntryXdr} from "../../../src/ledger/meta.js";
import type {Asset, OfferEntry} from "../../../src/ledger/types.js";
import {prng} from "../../helpers/prng.js";

const SEED = 4242;
const MAX = 9_223_372_036_854_775_807n;

function randomAsset(rand: () => number, issuers: string[]): Asset {
  const r = rand();
  if (r < 0.2) return {type: "native"};
  const issuer = issuers[Math.floor(rand() * issuers.length)]!;
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const code = (len: number): string => Array.from({length: len}, () => letters[Math.floor(rand() * letters.length)]).join("");
  return r < 0.6 ? {type: "credit_alphanum4", code: code(1 + Math.floor(rand() * 4)), issuer} : {type: "credit_alphanum12", code: code(5 + Math.floor(rand() * 8)), issuer};
}

function randomAmount(rand: () => number): bigint {
  const r = rand();
  if (r < 0.1) return 0n;
  if (r < 0.2) return MAX;
  if (r < 0.3) return 1n;
  return (BigInt(Math.floor(rand() * 2 ** 31)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
}

test("offerResultXdr has the bytes of the offer in the ledger entry's XDR over random offers", () => {
  const rand = prng(SEED);
  const issuers = Array.from({length: 5}, () => Keypair.random().publicKey());
  for (let i = 0; i < 2_000; i++) {
    const selling = randomAsset(rand, issuers);
    const offer: OfferEntry = {
      type: "offer",
      sellerId: issuers[i % issuers.length]!,
      offerId: randomAmount(rand) || 1n,
      selling,
      buying: randomAsset(rand, issuers),
      amount: randomAmount(rand),
      price: {n: 1 + Math.floor(rand() * 2_147_483_647), d: 1 + Math.floor(rand() * 2_147_483_647)},
      flags: rand() < 0.5 ? 0 : 1,
      lastModifiedLedger: 7,
    };
    const want = ledgerEntryXdr(offer, 7).data().offer().toXDR("base64");
    assert.equal(offerResultXdr(offer).toXDR("base64"), want, `seed ${SEED} offer ${i}`);
  }
});

test("claim atoms and shared asset XDR have the bytes built afresh, also past the cache's bound", () => {
  const rand = prng(SEED + 1);
  const issuers = Array.from({length: 3}, () => Keypair.random().publicKey());
  // More distinct assets than the cache holds (10,000), so it is cleared and refilled on the way.
  for (let i = 0; i < 12_500; i++) {
    const a: Asset = i % 2 === 0 ? {type: "credit_alphanum4", code: "A" + (i % 1000).toString(36), issuer: issuers[i % 3]!} : {type: "credit_alphanum12", code: "LONG" + i.toString(36), issuer: issuers[i % 3]!};
    assert.equal(resultAssetXdr(a).toXDR("base64"), assetXdr(a).toXDR("base64"), `asset ${i}`);
  }
  // The same code under both lengths' rules stays apart: "ABCDE" is 12-byte only, "ABCD" 4-byte only.
  const four: Asset = {type: "credit_alphanum4", code: "ABCD", issuer: issuers[0]!};
  const twelve: Asset = {type: "credit_alphanum12", code: "ABCD", issuer: issuers[0]!};
  assert.notEqual(resultAssetXdr(four).toXDR("base64"), resultAssetXdr(twelve).toXDR("base64"));
  assert.equal(resultAssetXdr(twelve).toXDR("base64"), assetXdr(twelve).toXDR("base64"));
  for (let i = 0; i < 2_000; i++) {
    const atom = {
      sellerId: issuers[i % 3]!,
      offerId: randomAmount(rand) || 1n,
      assetSold: randomAsset(rand, issuers),
      amountSold: randomAmount(rand),
      assetBought: randomAsset(rand, issuers),
      amountBought: randomAmount(rand),
    };
    const want = xdr.ClaimAtom.claimAtomTypeOrderBook(
      new xdr.ClaimOfferAtom({
        sellerId: accountIdXdr(atom.sellerId),
        offerId: xdr.Int64.fromString(atom.offerId.toString()),
        assetSold: assetXdr(atom.assetSold),
        amountSold: xdr.Int64.fromString(atom.amountSold.toString()),
        assetBought: assetXdr(atom.assetBought),
        amountBought: xdr.Int64.fromString(atom.amountBought.toString()),
      }),
    ).toXDR("base64");
    const built = claimAtomXdr(atom);
    assert.equal(built.toXDR("base64"), want, `seed ${SEED + 1} atom ${i}`);
    // The trade it was built from rides along; the same atom decoded from its bytes has none.
    assert.equal(appliedAtomOf(built.orderBook()), atom);
    assert.equal(appliedAtomOf(xdr.ClaimAtom.fromXDR(want, "base64").orderBook()), undefined);
  }
});
