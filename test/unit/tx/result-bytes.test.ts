/**
 * The direct writer of offer and path payment results (tx/result-bytes.ts) against js-xdr, the
 * reference: seeded random results of every shape it writes (claim atoms of native, 4- and
 * 12-character assets, created / updated / deleted offers, every failure code, a path payment
 * without issuer, txFAILED with results that are not opINNER) give the bytes js-xdr encodes, and
 * what it does not write (other operations' bodies, fee-bumps, other tx codes) falls back to
 * js-xdr through transactionResultBytes.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair, xdr} from "@stellar/stellar-base";
import {prng} from "../../helpers/prng.js";
import {buildTxResult, jsXdrTransactionResultBytes, opInner, transactionResultBytes, TxCode, type OpResult} from "../../../src/tx/results.js";
import {fastTransactionResultBytes} from "../../../src/tx/result-bytes.js";
import {claimAtomXdr, offerResultXdr} from "../../../src/dex/crossing.js";
import type {Asset} from "../../../src/ledger/types.js";

const SEED = 0x7e5b17e5;
const INT64_MAX = 9_223_372_036_854_775_807n;

const accounts = Array.from({length: 4}, (_, i) => Keypair.fromRawEd25519Seed(Buffer.alloc(32, i + 1)).publicKey());

function check(result: xdr.TransactionResult, writtenDirectly: boolean, what: string): void {
  const reference = result.toXDR();
  const direct = fastTransactionResultBytes(result, Buffer.alloc(64));
  if (writtenDirectly) {
    assert.ok(direct !== null, `${what}: written directly`);
    assert.ok(direct.equals(reference), `${what}: direct bytes differ from js-xdr's`);
  } else assert.equal(direct, null, `${what}: left to js-xdr`);
  assert.ok(transactionResultBytes(result).equals(reference), `${what}: transactionResultBytes`);
  assert.ok(jsXdrTransactionResultBytes(result).equals(reference), `${what}: js-xdr writer`);
}

describe("offer and path payment results written directly", () => {
  const rand = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const amount = (): bigint => pick([0n, 1n, 100n, 10_000_000n, 2n ** 53n + 1n, INT64_MAX, BigInt(Math.floor(rand() * 1e15))]);
  const asset = (): Asset =>
    pick<Asset>([
      {type: "native"},
      {type: "credit_alphanum4", code: "USD", issuer: pick(accounts)},
      {type: "credit_alphanum4", code: "ABCD", issuer: pick(accounts)},
      {type: "credit_alphanum12", code: "LONGCODE", issuer: pick(accounts)},
      {type: "credit_alphanum12", code: "TWELVECHARSX", issuer: pick(accounts)},
    ]);
  const atoms = (): xdr.ClaimAtom[] =>
    Array.from({length: pick([0, 1, 2, 5])}, () =>
      claimAtomXdr({sellerId: pick(accounts), offerId: amount(), assetSold: asset(), amountSold: amount(), assetBought: asset(), amountBought: amount()}),
    );
  const offerEffect = (): xdr.ManageOfferSuccessResultOffer => {
    const r = rand();
    if (r < 0.3) return xdr.ManageOfferSuccessResultOffer.manageOfferDeleted();
    const entry = offerResultXdr({
      type: "offer",
      sellerId: pick(accounts),
      offerId: amount(),
      selling: asset(),
      buying: asset(),
      amount: amount(),
      price: {n: pick([1, 7, 2_147_483_647]), d: pick([1, 3, 2_147_483_647])},
      flags: pick([0, 1]),
      lastModifiedLedger: 5,
    });
    return r < 0.65 ? xdr.ManageOfferSuccessResultOffer.manageOfferCreated(entry) : xdr.ManageOfferSuccessResultOffer.manageOfferUpdated(entry);
  };
  const assetXdrOf = (a: Asset): xdr.Asset => {
    const atom = claimAtomXdr({sellerId: accounts[0]!, offerId: 1n, assetSold: a, amountSold: 1n, assetBought: a, amountBought: 1n});
    return atom.orderBook().assetSold();
  };

  /** One operation result of a shape the direct writer covers. */
  const supported = (): OpResult => {
    switch (Math.floor(rand() * 9)) {
      case 0:
        return opInner("op_success", xdr.OperationResultTr.payment(xdr.PaymentResult.paymentSuccess()));
      case 1:
        return opInner("op_underfunded", xdr.OperationResultTr.payment(xdr.PaymentResult.paymentUnderfunded()));
      case 2: {
        const s = new xdr.ManageOfferSuccessResult({offersClaimed: atoms(), offer: offerEffect()});
        return opInner("op_success", xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(s)));
      }
      case 3: {
        const s = new xdr.ManageOfferSuccessResult({offersClaimed: atoms(), offer: offerEffect()});
        return opInner("op_success", xdr.OperationResultTr.manageBuyOffer(xdr.ManageBuyOfferResult.manageBuyOfferSuccess(s)));
      }
      case 4: {
        const s = new xdr.ManageOfferSuccessResult({offersClaimed: atoms(), offer: offerEffect()});
        return opInner("op_success", xdr.OperationResultTr.createPassiveSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(s)));
      }
      case 5:
        return opInner(
          "op_cross_self",
          pick([
            xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferCrossSelf()),
            xdr.OperationResultTr.manageBuyOffer(xdr.ManageBuyOfferResult.manageBuyOfferLowReserve()),
            xdr.OperationResultTr.createPassiveSellOffer(xdr.ManageSellOfferResult.manageSellOfferNotFound()),
          ]),
        );
      case 6: {
        const last = new xdr.SimplePaymentResult({destination: xdr.PublicKey.publicKeyTypeEd25519(Keypair.fromPublicKey(pick(accounts)).rawPublicKey()), asset: assetXdrOf(asset()), amount: new xdr.Int64(amount())});
        return rand() < 0.5
          ? opInner("op_success", xdr.OperationResultTr.pathPaymentStrictReceive(xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(new xdr.PathPaymentStrictReceiveResultSuccess({offers: atoms(), last}))))
          : opInner("op_success", xdr.OperationResultTr.pathPaymentStrictSend(xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(new xdr.PathPaymentStrictSendResultSuccess({offers: atoms(), last}))));
      }
      case 7:
        return rand() < 0.5
          ? opInner("op_no_issuer", xdr.OperationResultTr.pathPaymentStrictReceive(xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveNoIssuer(assetXdrOf(asset()))))
          : opInner("op_too_few_offers", xdr.OperationResultTr.pathPaymentStrictSend(xdr.PathPaymentStrictSendResult.pathPaymentStrictSendTooFewOffers()));
      default:
        return pick([
          {code: "op_bad_auth", result: xdr.OperationResult.opBadAuth()},
          {code: "op_no_source_account", result: xdr.OperationResult.opNoAccount()},
          {code: "op_too_many_subentries", result: xdr.OperationResult.opTooManySubentries()},
        ]);
    }
  };

  it("gives js-xdr's bytes for every shape it writes", () => {
    for (let i = 0; i < 400; i++) {
      const ops = Array.from({length: 1 + Math.floor(rand() * 4)}, supported);
      const code = rand() < 0.7 ? TxCode.Success : TxCode.Failed;
      const {xdr: result} = buildTxResult(pick([0n, 100n, 12_345n, INT64_MAX]), {code, ops}, null);
      check(result, true, `result ${i} (seed ${SEED})`);
    }
    check(buildTxResult(100n, {code: TxCode.Success, ops: []}, null).xdr, true, "no operations");
  });

  it("leaves every other shape to js-xdr", () => {
    const createAccount = opInner("op_success", xdr.OperationResultTr.createAccount(xdr.CreateAccountResult.createAccountSuccess()));
    const offer = supported();
    check(buildTxResult(100n, {code: TxCode.Success, ops: [offer, createAccount]}, null).xdr, false, "an operation outside the writer's");
    check(buildTxResult(100n, {code: TxCode.BadSeq, ops: null}, null).xdr, false, "txBAD_SEQ");
    check(buildTxResult(200n, {code: TxCode.Success, ops: [offer]}, {innerHash: Buffer.alloc(32, 5)}).xdr, false, "a fee-bump");
    const v0 = xdr.ClaimAtom.claimAtomTypeV0(
      new xdr.ClaimOfferAtomV0({
        sellerEd25519: Buffer.alloc(32, 1),
        offerId: new xdr.Int64(1n),
        assetSold: xdr.Asset.assetTypeNative(),
        amountSold: new xdr.Int64(2n),
        assetBought: xdr.Asset.assetTypeNative(),
        amountBought: new xdr.Int64(3n),
      }),
    );
    const withV0 = opInner(
      "op_success",
      xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(new xdr.ManageOfferSuccessResult({offersClaimed: [v0], offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted()}))),
    );
    check(buildTxResult(100n, {code: TxCode.Success, ops: [withV0]}, null).xdr, false, "a v0 claim atom");
  });

  it("grows past its scratch buffer", () => {
    const many = Array.from({length: 40}, () => claimAtomXdr({sellerId: accounts[1]!, offerId: 7n, assetSold: {type: "credit_alphanum12", code: "TWELVECHARSX", issuer: accounts[2]!}, amountSold: 5n, assetBought: {type: "native"}, amountBought: 9n}));
    const s = new xdr.ManageOfferSuccessResult({offersClaimed: many, offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted()});
    const result = buildTxResult(100n, {code: TxCode.Success, ops: [opInner("op_success", xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(s)))]}, null).xdr;
    const reference = result.toXDR();
    assert.ok(reference.length > 64 * 40);
    check(result, true, "40 atoms");
  });
});
