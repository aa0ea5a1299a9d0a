import type {KdfParams} from "./options.js";

/**
 * The libsodium calls the keystore needs, so one keystore module runs in node (sodium-native)
 * and in the browser apps (libsodium-wrappers-sumo wasm). All calls are synchronous; the browser
 * adapter is built only after its wasm is ready.
 */
export interface KeystoreCrypto {
  /** crypto_pwhash with Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13). */
  pwhash(outLen: number, password: Uint8Array, salt: Uint8Array, opslimit: number, memlimit: number): Uint8Array;
  /** crypto_secretbox_easy: MAC (16 bytes) followed by the ciphertext. */
  secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** crypto_secretbox_open_easy; null when the MAC does not verify. */
  secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;
  randomBytes(n: number): Uint8Array;
  /** sodium_memzero where the platform has it. */
  memzero(buf: Uint8Array): void;
}

/** What the keystore protects: a raw ed25519 seed, or a BIP-39 mnemonic and which SEP-0005 account. */
export type KeystoreSecret =
  | {kind: "key"; seed: Uint8Array}
  | {kind: "mnemonic"; mnemonic: string; accountIndex?: number};

export interface CreateKeystoreInput {
  name: string;
  secret: KeystoreSecret;
  password: string;
  kdf?: KdfParams;
  /** Defaults to now; fixed in tests and fixtures. */
  createdAt?: Date;
}

/** Keystore file, format version 1 (documented field by field in README.md, "Wallet keystore"). */
export interface KeystoreFile {
  diamante_keystore: 1;
  name: string;
  kind: "key" | "mnemonic";
  public_key: string;
  account_index?: number;
  kdf: {alg: "argon2id13"; opslimit: number; memlimit: number; salt: string};
  cipher: {alg: "xsalsa20poly1305"; nonce: string; ciphertext: string};
  created_at: string;
}

export interface OpenedKeystore {
  publicKey: string;
  /** The account's 32-byte ed25519 seed; the caller zeroes it when done. */
  secretSeed: Uint8Array;
  /** Only for kind "mnemonic". */
  mnemonic?: string;
}
