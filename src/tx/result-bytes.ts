/**
 * The XDR of the TransactionResults apply builds most, written straight from js-xdr's objects
 * without js-xdr's generic writer: a manage offer or path payment result (claim atoms, the
 * resting offer, the last payment) went through js-xdr's per-field type dispatch at ~6 µs per
 * transaction, a tenth of a mixed load's apply. Only the shapes below are written here (a plain
 * txSUCCESS / txFAILED with operation results of payments, offers and path payments); any other
 * value gives null and the caller falls back to js-xdr, which stays the reference: the bytes are
 * the same (result-bytes test, against js-xdr on every shape).
 */
import type {xdr} from "@stellar/stellar-base";
import {XdrWriter} from "../util/xdr-writer.js";

/** An XDR enum member or, for unions switched on an int, the int itself. */
type Discriminant = number | {value: number};

function discriminant(d: unknown): number {
  return typeof d === "number" ? d : (d as {value: number}).value;
}

/** js-xdr's Int64 / Uint64 (LargeInt) keep their value as a bigint in `_value`. */
function int64Of(v: xdr.Int64): bigint {
  return (v as unknown as {_value: bigint})._value;
}

const TX_SUCCESS = 0;
const TX_FAILED = -1;
const OP_INNER = 0;

const OP_PAYMENT = 1;
const OP_PATH_PAYMENT_STRICT_RECEIVE = 2;
const OP_MANAGE_SELL_OFFER = 3;
const OP_CREATE_PASSIVE_SELL_OFFER = 4;
const OP_MANAGE_BUY_OFFER = 12;
const OP_PATH_PAYMENT_STRICT_SEND = 13;

/** PATH_PAYMENT_STRICT_*_NO_ISSUER: the only failure arm with a body (the asset without issuer). */
const PATH_PAYMENT_NO_ISSUER = -9;

const CLAIM_ATOM_TYPE_ORDER_BOOK = 1;
const MANAGE_OFFER_DELETED = 2;

const ASSET_NATIVE = 0;
const ASSET_ALPHANUM4 = 1;
const ASSET_ALPHANUM12 = 2;

/** Thrown (and caught below) when a value is not one of the shapes written here. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/** A fixed-length opaque of exactly `n` bytes (n a multiple of 4 here: no padding); any other length is not a shape written here. */
function opaque(w: XdrWriter, b: Uint8Array, n: number): void {
  if (b.length !== n) throw UNSUPPORTED;
  w.bytes(b);
}

function writeAccountId(w: XdrWriter, id: xdr.PublicKey): void {
  if (discriminant(id.switch()) !== 0) throw UNSUPPORTED;
  w.i32(0);
  opaque(w, id.ed25519(), 32);
}

function writeAsset(w: XdrWriter, a: xdr.Asset): void {
  const type = discriminant(a.switch());
  w.i32(type);
  if (type === ASSET_NATIVE) return;
  if (type === ASSET_ALPHANUM4) {
    const x = a.alphaNum4();
    opaque(w, x.assetCode(), 4);
    writeAccountId(w, x.issuer());
  } else if (type === ASSET_ALPHANUM12) {
    const x = a.alphaNum12();
    opaque(w, x.assetCode(), 12);
    writeAccountId(w, x.issuer());
  } else throw UNSUPPORTED;
}

function writeClaimAtoms(w: XdrWriter, atoms: xdr.ClaimAtom[]): void {
  w.u32(atoms.length);
  for (const atom of atoms) {
    if (discriminant(atom.switch()) !== CLAIM_ATOM_TYPE_ORDER_BOOK) throw UNSUPPORTED;
    w.i32(CLAIM_ATOM_TYPE_ORDER_BOOK);
    const a = atom.orderBook();
    writeAccountId(w, a.sellerId());
    w.i64(int64Of(a.offerId()));
    writeAsset(w, a.assetSold());
    w.i64(int64Of(a.amountSold()));
    writeAsset(w, a.assetBought());
    w.i64(int64Of(a.amountBought()));
  }
}

function writeOfferEntry(w: XdrWriter, o: xdr.OfferEntry): void {
  writeAccountId(w, o.sellerId());
  w.i64(int64Of(o.offerId()));
  writeAsset(w, o.selling());
  writeAsset(w, o.buying());
  w.i64(int64Of(o.amount()));
  const price = o.price();
  w.i32(price.n());
  w.i32(price.d());
  w.u32(o.flags());
  if (discriminant(o.ext().switch()) !== 0) throw UNSUPPORTED;
  w.i32(0);
}

/** ManageSellOfferResult and ManageBuyOfferResult: the same layout, every failure arm void. */
function writeManageOfferResult(w: XdrWriter, r: xdr.ManageSellOfferResult | xdr.ManageBuyOfferResult): void {
  const code = discriminant(r.switch());
  w.i32(code);
  if (code !== 0) return;
  const s = r.success();
  writeClaimAtoms(w, s.offersClaimed());
  const offer = s.offer();
  const effect = discriminant(offer.switch());
  w.i32(effect);
  if (effect !== MANAGE_OFFER_DELETED) writeOfferEntry(w, offer.offer());
}

function writePathPaymentResult(w: XdrWriter, r: xdr.PathPaymentStrictReceiveResult | xdr.PathPaymentStrictSendResult): void {
  const code = discriminant(r.switch());
  w.i32(code);
  if (code === PATH_PAYMENT_NO_ISSUER) writeAsset(w, r.noIssuer());
  if (code !== 0) return;
  const s = r.success();
  writeClaimAtoms(w, s.offers());
  const last = s.last();
  writeAccountId(w, last.destination());
  writeAsset(w, last.asset());
  w.i64(int64Of(last.amount()));
}

function writeOperationResult(w: XdrWriter, r: xdr.OperationResult): void {
  const code = discriminant(r.switch());
  w.i32(code);
  // Every arm but opINNER is void.
  if (code !== OP_INNER) return;
  const tr = r.tr();
  const type = discriminant(tr.switch());
  w.i32(type);
  switch (type) {
    case OP_PAYMENT:
      // Every PaymentResult arm is void.
      w.i32(discriminant(tr.paymentResult().switch()));
      return;
    case OP_MANAGE_SELL_OFFER:
      return writeManageOfferResult(w, tr.manageSellOfferResult());
    case OP_CREATE_PASSIVE_SELL_OFFER:
      return writeManageOfferResult(w, tr.createPassiveSellOfferResult());
    case OP_MANAGE_BUY_OFFER:
      return writeManageOfferResult(w, tr.manageBuyOfferResult());
    case OP_PATH_PAYMENT_STRICT_RECEIVE:
      return writePathPaymentResult(w, tr.pathPaymentStrictReceiveResult());
    case OP_PATH_PAYMENT_STRICT_SEND:
      return writePathPaymentResult(w, tr.pathPaymentStrictSendResult());
    default:
      throw UNSUPPORTED;
  }
}

/**
 * The XDR bytes of `result` in `scratch` (or a larger buffer when it does not fit), as a view of
 * the bytes written; null when the result is not one of the shapes written here.
 */
export function fastTransactionResultBytes(result: xdr.TransactionResult, scratch: Buffer): Buffer | null {
  const w = new XdrWriter(scratch);
  try {
    w.i64(int64Of(result.feeCharged()));
    const r = result.result();
    const code = discriminant(r.switch() as Discriminant);
    if (code !== TX_SUCCESS && code !== TX_FAILED) return null;
    w.i32(code);
    const ops = r.results();
    w.u32(ops.length);
    for (const op of ops) writeOperationResult(w, op);
    if (discriminant(result.ext().switch() as Discriminant) !== 0) return null;
    w.i32(0);
  } catch (err) {
    if (err === UNSUPPORTED) return null;
    throw err;
  }
  return w.done();
}
