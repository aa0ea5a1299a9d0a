/**
 * Decoding a submitted envelope: the raw generated XDR types against stellar-base's
 * TransactionBuilder.fromXDR (which builds a Transaction object and its operations), and two
 * ways of getting the hash on the raw path.
 */
import {createHash} from "node:crypto";
import {hash, Networks, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {BenchError, BenchErrorCode} from "../errors.js";
import {BENCH_PASSPHRASE, signedPaymentEnvelope} from "../fixtures.js";
import {isEntryPoint, measureSync, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";

/** ENVELOPE_TYPE_TX as a big-endian XDR int: the tag hashed between network id and tx body. */
const ENVELOPE_TYPE_TX_TAG = Buffer.from([0, 0, 0, 2]);
/** A DecoratedSignature of an ed25519 key: 4-byte hint + 4-byte length + 64-byte signature. */
const ED25519_DECORATED_SIGNATURE_BYTES = 72;

/** Hash by re-encoding the decoded tx into a TransactionSignaturePayload. */
function hashByReencode(envelope: xdr.TransactionEnvelope, networkId: Buffer): Buffer {
  const payload = new xdr.TransactionSignaturePayload({
    networkId,
    taggedTransaction: xdr.TransactionSignaturePayloadTaggedTransaction.envelopeTypeTx(envelope.v1().tx()),
  });
  return hash(payload.toXDR());
}

/**
 * Hash from the submitted bytes: a v1 envelope is [type][tx][signature count][signatures], so the
 * tx bytes are a slice once the signature sizes are known; nothing is re-encoded. Only valid
 * when every signature is a 64-byte ed25519 one, which the decode has told us.
 */
function hashBySlice(envelopeBytes: Buffer, envelope: xdr.TransactionEnvelope, networkId: Buffer): Buffer {
  const sigCount = envelope.v1().signatures().length;
  const txEnd = envelopeBytes.length - 4 - sigCount * ED25519_DECORATED_SIGNATURE_BYTES;
  return hash(Buffer.concat([networkId, ENVELOPE_TYPE_TX_TAG, envelopeBytes.subarray(4, txEnd)]));
}

/**
 * Same slice, hashed with node:crypto (OpenSSL) instead of stellar-base's `hash`, which is the
 * pure-JS sha.js: the difference between the two rows is what a native SHA-256 buys.
 */
function hashBySliceNative(envelopeBytes: Buffer, envelope: xdr.TransactionEnvelope, networkId: Buffer): Buffer {
  const sigCount = envelope.v1().signatures().length;
  const txEnd = envelopeBytes.length - 4 - sigCount * ED25519_DECORATED_SIGNATURE_BYTES;
  return createHash("sha256")
    .update(networkId)
    .update(ENVELOPE_TYPE_TX_TAG)
    .update(envelopeBytes.subarray(4, txEnd))
    .digest();
}

export function runXdrBench(opts: MicroOptions = defaultMicroOptions): Section {
  const sample = signedPaymentEnvelope();
  const networkId = hash(Buffer.from(BENCH_PASSPHRASE));
  const decoded = xdr.TransactionEnvelope.fromXDR(sample.xdr);
  const viaReencode = hashByReencode(decoded, networkId).toString("hex");
  const viaSlice = hashBySlice(sample.xdr, decoded, networkId).toString("hex");
  const viaNative = hashBySliceNative(sample.xdr, decoded, networkId).toString("hex");
  const viaBuilder = TransactionBuilder.fromXDR(sample.base64, BENCH_PASSPHRASE).hash().toString("hex");
  for (const [name, got] of [
    ["re-encode", viaReencode],
    ["slice", viaSlice],
    ["native slice", viaNative],
    ["TransactionBuilder", viaBuilder],
  ]) {
    if (got !== sample.hashHex) {
      throw new BenchError(BenchErrorCode.SanityCheckFailed, `${name} hash differs from the signed tx hash`, {
        got,
        want: sample.hashHex,
      });
    }
  }
  if (BENCH_PASSPHRASE !== Networks.STANDALONE) {
    throw new BenchError(BenchErrorCode.SanityCheckFailed, "fixture passphrase changed unexpectedly");
  }

  const builder = "TransactionBuilder.fromXDR(b64) + hash()";
  const figures = [
    measureSync(builder, () => {
      TransactionBuilder.fromXDR(sample.base64, BENCH_PASSPHRASE).hash();
    }, opts),
    measureSync("TransactionBuilder.fromXDR(b64), no hash", () => {
      TransactionBuilder.fromXDR(sample.base64, BENCH_PASSPHRASE);
    }, opts),
    measureSync("xdr.TransactionEnvelope.fromXDR(buf)", () => {
      xdr.TransactionEnvelope.fromXDR(sample.xdr);
    }, opts),
    measureSync("raw decode + hash by re-encode", () => {
      hashByReencode(xdr.TransactionEnvelope.fromXDR(sample.xdr), networkId);
    }, opts),
    measureSync("raw decode + hash of byte slice (sha.js)", () => {
      hashBySlice(sample.xdr, xdr.TransactionEnvelope.fromXDR(sample.xdr), networkId);
    }, opts),
    measureSync("raw decode + hash of byte slice (node:crypto)", () => {
      hashBySliceNative(sample.xdr, xdr.TransactionEnvelope.fromXDR(sample.xdr), networkId);
    }, opts),
  ];
  return {
    title: `XDR decode of a signed one-payment v1 envelope (${sample.xdr.length} bytes)`,
    baseline: builder,
    figures,
    notes: [
      "All four hash paths give the tx hash the source signed.",
      "The builder path also base64-decodes; the raw path starts from the bytes a worker receives.",
    "stellar-base's `hash` is sha.js (pure JS); the node:crypto row hashes the same bytes natively.",
    ],
  };
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(runXdrBench()));
}
