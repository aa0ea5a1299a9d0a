/**
 * SEP-0005 key derivation: BIP-39 mnemonic → 64-byte seed (PBKDF2-HMAC-SHA512, 2048 rounds,
 * salt "mnemonic" + passphrase) → SLIP-0010 ed25519 along m/44'/148'/i' (148 is Stellar's
 * SLIP-0044 coin type). SLIP-0010 ed25519 has only hardened children, so every level is hardened.
 * No node imports: the browser apps bundle this file.
 */
import {generateMnemonic as bip39Generate, mnemonicToSeedSync, validateMnemonic} from "@scure/bip39";
import {wordlist} from "@scure/bip39/wordlists/english.js";
import {hmac} from "@noble/hashes/hmac.js";
import {sha512} from "@noble/hashes/sha2.js";
import {ACCOUNT_INDEX_MAX} from "./options.js";

const HARDENED = 0x80000000;
const SLIP10_ED25519_KEY = new TextEncoder().encode("ed25519 seed");

/** Lower case, single spaces, NFKD (BIP-39 normalises to NFKD before hashing). */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.normalize("NFKD").trim().toLowerCase().split(/\s+/).join(" ");
}

/** True for a BIP-39 English mnemonic with a valid checksum (12, 15, 18, 21 or 24 words). */
export function isValidMnemonic(mnemonic: string): boolean {
  return validateMnemonic(normalizeMnemonic(mnemonic), wordlist);
}

/** A new mnemonic; 24 words (256 bits) by default, as SEP-0005 recommends. */
export function generateMnemonic(words: 12 | 24 = 24): string {
  return bip39Generate(wordlist, words === 24 ? 256 : 128);
}

export function mnemonicToBip39Seed(mnemonic: string, passphrase = ""): Uint8Array {
  return mnemonicToSeedSync(normalizeMnemonic(mnemonic), passphrase);
}

/** SLIP-0010 ed25519 private key (32 bytes) at a path of hardened indexes (given without the hardening bit). */
export function slip10Ed25519(seed: Uint8Array, path: readonly number[]): Uint8Array {
  let node = hmac(sha512, SLIP10_ED25519_KEY, seed);
  const data = new Uint8Array(37);
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0 || index > ACCOUNT_INDEX_MAX) throw new RangeError(`SLIP-0010 index must be 0..2^31-1, got ${index}`);
    data[0] = 0;
    data.set(node.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, (index | HARDENED) >>> 0, false);
    const next = hmac(sha512, node.subarray(32), data);
    node.fill(0);
    node = next;
  }
  data.fill(0);
  const key = node.slice(0, 32);
  node.fill(0);
  return key;
}

/** The ed25519 seed of account m/44'/148'/index' of a BIP-39 seed. */
export function accountSeedFromBip39Seed(seed: Uint8Array, index: number): Uint8Array {
  return slip10Ed25519(seed, [44, 148, index]);
}

/** The ed25519 seed of SEP-0005 account `index` of a mnemonic (and optional BIP-39 passphrase). */
export function accountSeedFromMnemonic(mnemonic: string, index = 0, passphrase = ""): Uint8Array {
  const seed = mnemonicToBip39Seed(mnemonic, passphrase);
  try {
    return accountSeedFromBip39Seed(seed, index);
  } finally {
    seed.fill(0);
  }
}
