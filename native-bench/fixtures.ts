/**
 * Inputs shared by the micro benchmarks: signed messages shaped like Stellar's (a 32-byte
 * transaction hash signed by an ed25519 key), a ledger-entry-like record with int64 bigints, and
 * a signed payment envelope. Deterministic, so two runs measure the same bytes.
 */
import {createHash} from "node:crypto";
import sodium from "sodium-native";
import {Account, Asset, Keypair, Networks, Operation, TimeoutInfinite, TransactionBuilder} from "@stellar/stellar-base";

export interface SignedSamples {
  publicKeys: Buffer[];
  /** 32-byte messages: what Stellar signs is the 32-byte hash of the signature payload. */
  messages: Buffer[];
  signatures: Buffer[];
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** `count` distinct keys each signing a distinct 32-byte message, seeded by index. */
export function signedSamples(count: number): SignedSamples {
  const out: SignedSamples = {publicKeys: [], messages: [], signatures: []};
  for (let i = 0; i < count; i++) {
    const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
    const sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
    sodium.crypto_sign_seed_keypair(pk, sk, sha256(`bench key ${i}`));
    const message = sha256(`bench message ${i}`);
    const signature = Buffer.alloc(sodium.crypto_sign_BYTES);
    sodium.crypto_sign_detached(signature, message, sk);
    out.publicKeys.push(pk);
    out.messages.push(message);
    out.signatures.push(signature);
  }
  return out;
}

/** An account entry as the ledger might keep it: stroop amounts and sequence numbers as bigint. */
export interface AccountLikeEntry {
  type: "account";
  accountId: string;
  balance: bigint;
  seqNum: bigint;
  numSubEntries: number;
  inflationDest: string | null;
  flags: number;
  homeDomain: string;
  thresholds: {master: number; low: number; med: number; high: number};
  signers: {key: string; weight: number}[];
  liabilities: {buying: bigint; selling: bigint};
  lastModifiedLedgerSeq: number;
}

export function accountLikeEntry(i: number): AccountLikeEntry {
  const id = Keypair.fromRawEd25519Seed(sha256(`entry ${i}`)).publicKey();
  return {
    type: "account",
    accountId: id,
    // 9,876.5432100 DIAM: past 2^32 stroops, as real balances are.
    balance: 98_765_432_100n + BigInt(i),
    // Stellar starts an account's sequence at (creation ledger << 32).
    seqNum: (1_234n << 32n) + BigInt(i),
    numSubEntries: 3,
    inflationDest: null,
    flags: 0,
    homeDomain: "example.org",
    thresholds: {master: 1, low: 0, med: 2, high: 2},
    signers: [{key: Keypair.fromRawEd25519Seed(sha256(`signer ${i}`)).publicKey(), weight: 1}],
    liabilities: {buying: 0n, selling: 5_000_000n},
    lastModifiedLedgerSeq: 1_234 + i,
  };
}

export const BENCH_PASSPHRASE = Networks.STANDALONE;

/** A v1 envelope with one native payment, signed by its source, as a wallet would submit it. */
export function signedPaymentEnvelope(): {xdr: Buffer; base64: string; hashHex: string} {
  const source = Keypair.fromRawEd25519Seed(sha256("payment source"));
  const destination = Keypair.fromRawEd25519Seed(sha256("payment destination"));
  const tx = new TransactionBuilder(new Account(source.publicKey(), "123456789012"), {
    fee: "100",
    networkPassphrase: BENCH_PASSPHRASE,
  })
    .addOperation(Operation.payment({destination: destination.publicKey(), asset: Asset.native(), amount: "12.5"}))
    .setTimeout(TimeoutInfinite)
    .build();
  tx.sign(source);
  const xdr = tx.toEnvelope().toXDR();
  return {xdr, base64: xdr.toString("base64"), hashHex: tx.hash().toString("hex")};
}
