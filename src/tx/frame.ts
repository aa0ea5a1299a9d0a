/**
 * Envelope decoding: raw XDR bytes → TxFrame. Runs for every submitted tx (in workers), so it
 * uses the raw `xdr` types (about 8x faster than TransactionBuilder.fromXDR) and hashes the
 * transaction bytes sliced straight out of the envelope instead of re-encoding them (a v1
 * re-encode costs as much as the decode itself).
 */
import {xdr, StrKey} from "@stellar/stellar-base";
import type {AccountId, ClaimPredicate, Price} from "../ledger/types.js";
import type {TimeBounds, TxFrame, V2Preconditions} from "./interface.js";
import type {Asset, DecoratedSignature, Memo, Operation} from "./types.js";
import {accountIdFromRaw, sha256} from "./keys.js";
import {TxError, TxErrorCode} from "./errors.js";

const ENVELOPE_TYPE_TX_V0 = 0;
const ENVELOPE_TYPE_TX = 2;
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;

const TAG_TX = Buffer.from([0, 0, 0, ENVELOPE_TYPE_TX]);
const TAG_TX_FEE_BUMP = Buffer.from([0, 0, 0, ENVELOPE_TYPE_TX_FEE_BUMP]);

function malformed(message: string): never {
  throw new TxError(TxErrorCode.Malformed, message);
}

export function muxedToAccountId(m: xdr.MuxedAccount): AccountId {
  switch (m.switch().value) {
    case xdr.CryptoKeyType.keyTypeEd25519().value:
      return accountIdFromRaw(m.ed25519());
    case xdr.CryptoKeyType.keyTypeMuxedEd25519().value:
      return accountIdFromRaw(m.med25519().ed25519());
    default:
      return malformed("unknown muxed account type");
  }
}

function publicKeyToAccountId(p: xdr.PublicKey): AccountId {
  return accountIdFromRaw(p.ed25519());
}

function bytesOf(v: string | Buffer): Buffer {
  return typeof v === "string" ? Buffer.from(v, "utf8") : v;
}

/** An asset code without its zero padding (XDR objects built in memory may hold it as a string). */
function trimCode(raw: Buffer | string): string {
  const code = bytesOf(raw);
  let end = code.length;
  while (end > 0 && code[end - 1] === 0) end--;
  return code.subarray(0, end).toString("latin1");
}

export function decodeAsset(a: xdr.Asset): Asset {
  switch (a.switch().name) {
    case "assetTypeNative":
      return {type: "native"};
    case "assetTypeCreditAlphanum4": {
      const v = a.alphaNum4();
      return {type: "credit_alphanum4", code: trimCode(v.assetCode()), issuer: publicKeyToAccountId(v.issuer())};
    }
    case "assetTypeCreditAlphanum12": {
      const v = a.alphaNum12();
      return {type: "credit_alphanum12", code: trimCode(v.assetCode()), issuer: publicKeyToAccountId(v.issuer())};
    }
    default:
      return malformed("unsupported asset type " + a.switch().name);
  }
}

export function signerKeyToString(k: xdr.SignerKey): string {
  switch (k.switch().name) {
    case "signerKeyTypeEd25519":
      return accountIdFromRaw(k.ed25519());
    case "signerKeyTypePreAuthTx":
      return StrKey.encodePreAuthTx(k.preAuthTx());
    case "signerKeyTypeHashX":
      return StrKey.encodeSha256Hash(k.hashX());
    case "signerKeyTypeEd25519SignedPayload":
      return StrKey.encodeSignedPayload(k.ed25519SignedPayload().toXDR());
    default:
      return malformed("unknown signer key type");
  }
}

function decodePrice(p: xdr.Price): Price {
  return {n: p.n(), d: p.d()};
}

/** Nesting is bounded by the XDR decoder's depth limit; validity (and/or arity, depth ≤ 4) is checked at apply. */
export function decodePredicate(p: xdr.ClaimPredicate): ClaimPredicate {
  switch (p.switch().name) {
    case "claimPredicateUnconditional":
      return {type: "unconditional"};
    case "claimPredicateAnd":
      return {type: "and", predicates: p.andPredicates().map(decodePredicate)};
    case "claimPredicateOr":
      return {type: "or", predicates: p.orPredicates().map(decodePredicate)};
    case "claimPredicateNot": {
      const inner = p.notPredicate();
      return {type: "not", predicate: inner === null || inner === undefined ? null : decodePredicate(inner)};
    }
    case "claimPredicateBeforeAbsoluteTime":
      return {type: "before_absolute_time", time: p.absBefore().toBigInt()};
    case "claimPredicateBeforeRelativeTime":
      return {type: "before_relative_time", seconds: p.relBefore().toBigInt()};
    default:
      return malformed("unknown claim predicate");
  }
}

/** camelCase XDR arm name → Horizon's snake_case operation type. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function decodeOperation(op: xdr.Operation): Operation {
  const srcX = op.sourceAccount();
  const source = srcX ? muxedToAccountId(srcX) : null;
  const body = op.body();
  switch (body.switch().name) {
    case "createAccount": {
      const v = body.createAccountOp();
      return {source, type: "create_account", destination: publicKeyToAccountId(v.destination()), startingBalance: v.startingBalance().toBigInt()};
    }
    case "payment": {
      const v = body.paymentOp();
      return {source, type: "payment", destination: muxedToAccountId(v.destination()), asset: decodeAsset(v.asset()), amount: v.amount().toBigInt()};
    }
    case "setOptions": {
      const v = body.setOptionsOp();
      const out: Operation & {type: "set_options"} = {source, type: "set_options"};
      const infl = v.inflationDest();
      if (infl) out.inflationDest = publicKeyToAccountId(infl);
      const cf = v.clearFlags();
      if (cf !== null && cf !== undefined) out.clearFlags = cf;
      const sf = v.setFlags();
      if (sf !== null && sf !== undefined) out.setFlags = sf;
      const mw = v.masterWeight();
      if (mw !== null && mw !== undefined) out.masterWeight = mw;
      const lo = v.lowThreshold();
      if (lo !== null && lo !== undefined) out.lowThreshold = lo;
      const me = v.medThreshold();
      if (me !== null && me !== undefined) out.medThreshold = me;
      const hi = v.highThreshold();
      if (hi !== null && hi !== undefined) out.highThreshold = hi;
      const hd = v.homeDomain();
      if (hd !== null && hd !== undefined) out.homeDomain = bytesOf(hd).toString("latin1");
      const sg = v.signer();
      if (sg) out.signer = {key: signerKeyToString(sg.key()), weight: sg.weight()};
      return out;
    }
    case "accountMerge":
      return {source, type: "account_merge", destination: muxedToAccountId(body.destination())};
    case "manageData": {
      const v = body.manageDataOp();
      const value = v.dataValue();
      return {source, type: "manage_data", name: bytesOf(v.dataName()).toString("latin1"), value: value ? new Uint8Array(value) : null};
    }
    case "bumpSequence":
      return {source, type: "bump_sequence", bumpTo: body.bumpSequenceOp().bumpTo().toBigInt()};
    case "changeTrust": {
      const v = body.changeTrustOp();
      const line = v.line();
      if (line.switch().name === "assetTypePoolShare") return {source, type: "unsupported", xdrType: "change_trust"};
      return {source, type: "change_trust", line: decodeAsset(line as unknown as xdr.Asset), limit: v.limit().toBigInt()};
    }
    case "allowTrust": {
      const v = body.allowTrustOp();
      const a = v.asset();
      const four = a.switch().name === "assetTypeCreditAlphanum4";
      const code = four ? a.assetCode4() : a.assetCode12();
      const assetType = four ? "credit_alphanum4" : "credit_alphanum12";
      return {source, type: "allow_trust", trustor: publicKeyToAccountId(v.trustor()), assetType, assetCode: trimCode(code), authorize: v.authorize()};
    }
    case "setTrustLineFlags": {
      const v = body.setTrustLineFlagsOp();
      return {source, type: "set_trust_line_flags", trustor: publicKeyToAccountId(v.trustor()), asset: decodeAsset(v.asset()), clearFlags: v.clearFlags(), setFlags: v.setFlags()};
    }
    case "clawback": {
      const v = body.clawbackOp();
      return {source, type: "clawback", asset: decodeAsset(v.asset()), from: muxedToAccountId(v.from()), amount: v.amount().toBigInt()};
    }
    case "manageSellOffer": {
      const v = body.manageSellOfferOp();
      return {source, type: "manage_sell_offer", selling: decodeAsset(v.selling()), buying: decodeAsset(v.buying()), amount: v.amount().toBigInt(), price: decodePrice(v.price()), offerId: v.offerId().toBigInt()};
    }
    case "manageBuyOffer": {
      const v = body.manageBuyOfferOp();
      return {source, type: "manage_buy_offer", selling: decodeAsset(v.selling()), buying: decodeAsset(v.buying()), buyAmount: v.buyAmount().toBigInt(), price: decodePrice(v.price()), offerId: v.offerId().toBigInt()};
    }
    case "createPassiveSellOffer": {
      const v = body.createPassiveSellOfferOp();
      return {source, type: "create_passive_sell_offer", selling: decodeAsset(v.selling()), buying: decodeAsset(v.buying()), amount: v.amount().toBigInt(), price: decodePrice(v.price())};
    }
    case "pathPaymentStrictReceive": {
      const v = body.pathPaymentStrictReceiveOp();
      return {
        source,
        type: "path_payment_strict_receive",
        sendAsset: decodeAsset(v.sendAsset()),
        sendMax: v.sendMax().toBigInt(),
        destination: muxedToAccountId(v.destination()),
        destAsset: decodeAsset(v.destAsset()),
        destAmount: v.destAmount().toBigInt(),
        path: v.path().map(decodeAsset),
      };
    }
    case "pathPaymentStrictSend": {
      const v = body.pathPaymentStrictSendOp();
      return {
        source,
        type: "path_payment_strict_send",
        sendAsset: decodeAsset(v.sendAsset()),
        sendAmount: v.sendAmount().toBigInt(),
        destination: muxedToAccountId(v.destination()),
        destAsset: decodeAsset(v.destAsset()),
        destMin: v.destMin().toBigInt(),
        path: v.path().map(decodeAsset),
      };
    }
    case "createClaimableBalance": {
      const v = body.createClaimableBalanceOp();
      const claimants = v.claimants().map((c) => {
        const c0 = c.v0();
        return {destination: publicKeyToAccountId(c0.destination()), predicate: decodePredicate(c0.predicate())};
      });
      return {source, type: "create_claimable_balance", asset: decodeAsset(v.asset()), amount: v.amount().toBigInt(), claimants};
    }
    case "claimClaimableBalance":
      return {source, type: "claim_claimable_balance", balanceId: body.claimClaimableBalanceOp().balanceId().v0().toString("hex")};
    case "clawbackClaimableBalance":
      return {source, type: "clawback_claimable_balance", balanceId: body.clawbackClaimableBalanceOp().balanceId().v0().toString("hex")};
    default:
      return {source, type: "unsupported", xdrType: snakeCase(body.switch().name)};
  }
}

function decodeMemo(m: xdr.Memo): Memo {
  switch (m.switch().name) {
    case "memoNone":
      return {type: "none"};
    case "memoText":
      return {type: "text", value: new Uint8Array(bytesOf(m.text()))};
    case "memoId":
      return {type: "id", value: m.id().toBigInt()};
    case "memoHash":
      return {type: "hash", value: new Uint8Array(m.hash())};
    case "memoReturn":
      return {type: "return", value: new Uint8Array(m.retHash())};
    default:
      return malformed("unknown memo type");
  }
}

function decodeTimeBounds(tb: xdr.TimeBounds | null | undefined): TimeBounds | null {
  if (!tb) return null;
  return {minTime: tb.minTime().toBigInt(), maxTime: tb.maxTime().toBigInt()};
}

function decodeSignatures(sigs: xdr.DecoratedSignature[]): DecoratedSignature[] {
  return sigs.map((s) => ({hint: s.hint(), signature: s.signature()}));
}

/** XDR size of a DecoratedSignature array: count, then per entry hint(4) + len(4) + padded bytes. */
function signaturesXdrSize(sigs: DecoratedSignature[]): number {
  let n = 4;
  for (const s of sigs) n += 8 + ((s.signature.length + 3) & ~3);
  return n;
}

interface InnerParts {
  source: AccountId;
  seqNum: bigint;
  fee: bigint;
  operations: Operation[];
  memo: Memo;
  timeBounds: TimeBounds | null;
  preconditions?: V2Preconditions;
  notSupported?: string;
}

function decodeTransaction(tx: xdr.Transaction): InnerParts {
  const cond = tx.cond();
  let timeBounds: TimeBounds | null = null;
  let preconditions: V2Preconditions | undefined;
  let notSupported: string | undefined;
  switch (cond.switch().name) {
    case "precondNone":
      break;
    case "precondTime":
      timeBounds = decodeTimeBounds(cond.timeBounds());
      break;
    case "precondV2": {
      const v2 = cond.v2();
      timeBounds = decodeTimeBounds(v2.timeBounds());
      const lb = v2.ledgerBounds();
      const minSeq = v2.minSeqNum();
      preconditions = {
        ledgerBounds: lb ? {minLedger: lb.minLedger(), maxLedger: lb.maxLedger()} : null,
        minSeqNum: minSeq ? minSeq.toBigInt() : null,
        minSeqAge: v2.minSeqAge().toBigInt(),
        minSeqLedgerGap: v2.minSeqLedgerGap(),
        extraSigners: v2.extraSigners().map(signerKeyToString),
      };
      break;
    }
  }
  if (tx.ext().switch() !== 0) notSupported = notSupported ?? "sorobanData";
  const parts: InnerParts = {
    source: muxedToAccountId(tx.sourceAccount()),
    seqNum: tx.seqNum().toBigInt(),
    fee: BigInt(tx.fee()),
    operations: tx.operations().map(decodeOperation),
    memo: decodeMemo(tx.memo()),
    timeBounds,
  };
  if (preconditions !== undefined) parts.preconditions = preconditions;
  if (notSupported !== undefined) parts.notSupported = notSupported;
  return parts;
}

/** The v1 Transaction equivalent of a v0 one (Stellar hashes v0 envelopes in this form). */
function v0ToV1(v0: xdr.TransactionV0): xdr.Transaction {
  const tb = v0.timeBounds();
  return new xdr.Transaction({
    sourceAccount: xdr.MuxedAccount.keyTypeEd25519(v0.sourceAccountEd25519()),
    fee: v0.fee(),
    seqNum: v0.seqNum(),
    cond: tb ? xdr.Preconditions.precondTime(tb) : xdr.Preconditions.precondNone(),
    memo: v0.memo(),
    operations: v0.operations(),
    ext: new xdr.TransactionExt(0),
  });
}

function parseEnvelope(envelopeXdr: Buffer): xdr.TransactionEnvelope {
  try {
    return xdr.TransactionEnvelope.fromXDR(envelopeXdr);
  } catch (e) {
    return malformed("envelope is not valid XDR: " + (e instanceof Error ? e.message : String(e)));
  }
}

/**
 * Decodes an envelope (v0, v1 or fee-bump with a v1 inner tx) and computes its hash for
 * `networkId` as Stellar does: sha256(networkId ‖ envelope type ‖ tx XDR).
 * Throws TxError "tx_malformed" on anything that is not a readable envelope.
 */
export function decodeTxFrame(envelopeXdr: Buffer, networkId: Buffer): TxFrame {
  const env = parseEnvelope(envelopeXdr);
  try {
    switch (env.switch().value) {
      case ENVELOPE_TYPE_TX: {
        const v1 = env.v1();
        const signatures = decodeSignatures(v1.signatures());
        // envelope = type(4) ‖ Transaction ‖ signatures: the tx bytes are a slice.
        const txBytes = envelopeXdr.subarray(4, envelopeXdr.length - signaturesXdrSize(signatures));
        const hash = sha256(networkId, TAG_TX, txBytes);
        return frameOf(envelopeXdr, decodeTransaction(v1.tx()), hash, signatures, null);
      }
      case ENVELOPE_TYPE_TX_V0: {
        const v0 = env.v0();
        const tx = v0ToV1(v0.tx());
        const hash = sha256(networkId, TAG_TX, tx.toXDR());
        return frameOf(envelopeXdr, decodeTransaction(tx), hash, decodeSignatures(v0.signatures()), null);
      }
      case ENVELOPE_TYPE_TX_FEE_BUMP: {
        const fb = env.feeBump();
        const outerSigs = decodeSignatures(fb.signatures());
        const fbBytes = envelopeXdr.subarray(4, envelopeXdr.length - signaturesXdrSize(outerSigs));
        const hash = sha256(networkId, TAG_TX_FEE_BUMP, fbBytes);
        const fbTx = fb.tx();
        const innerEnv = fbTx.innerTx();
        if (innerEnv.switch().value !== ENVELOPE_TYPE_TX) malformed("fee-bump inner tx must be a v1 envelope");
        const inner = innerEnv.v1();
        const innerHash = sha256(networkId, TAG_TX, inner.tx().toXDR());
        return frameOf(envelopeXdr, decodeTransaction(inner.tx()), innerHash, decodeSignatures(inner.signatures()), {
          hash,
          feeSource: muxedToAccountId(fbTx.feeSource()),
          fee: fbTx.fee().toBigInt(),
          signatures: outerSigs,
        });
      }
      default:
        return malformed("unsupported envelope type " + env.switch().name);
    }
  } catch (e) {
    if (e instanceof TxError) throw e;
    return malformed("envelope could not be decoded: " + (e instanceof Error ? e.message : String(e)));
  }
}

interface FeeBumpParts {
  hash: Buffer;
  feeSource: AccountId;
  fee: bigint;
  signatures: DecoratedSignature[];
}

function frameOf(
  envelopeXdr: Buffer,
  inner: InnerParts,
  innerHash: Buffer,
  signatures: DecoratedSignature[],
  feeBump: FeeBumpParts | null,
): TxFrame {
  const hash = feeBump ? feeBump.hash : innerHash;
  const frame: TxFrame = {
    envelopeXdr,
    hash,
    hashHex: hash.toString("hex"),
    isFeeBump: feeBump !== null,
    feeSource: feeBump ? feeBump.feeSource : inner.source,
    sourceAccount: inner.source,
    seqNum: inner.seqNum,
    maxFee: feeBump ? feeBump.fee : inner.fee,
    innerMaxFee: inner.fee,
    operations: inner.operations,
    memo: inner.memo,
    timeBounds: inner.timeBounds,
    signatures,
    feeBumpSignatures: feeBump ? feeBump.signatures : [],
    innerHash,
    verified: [],
    verifiedFeeBump: [],
    ...(inner.preconditions !== undefined ? {preconditions: inner.preconditions} : {}),
    ...(inner.notSupported !== undefined ? {notSupported: inner.notSupported} : {}),
  };
  return frame;
}
