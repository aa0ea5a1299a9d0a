/**
 * The wallet's browser-safe surface: the keystore format, SEP-0005 derivation, strkey/base64
 * helpers and the libsodium-wrappers-sumo adapter. The browser apps import this file; it must not
 * re-export sodium-node.ts or cli.ts (node only).
 */
export {KEYSTORE_VERSION, checkKdfParams, createKeystore, openKeystore, parseKeystore, publicKeyOfSeed, serializeKeystore, validateKeystore} from "./keystore.js";
export {accountSeedFromBip39Seed, accountSeedFromMnemonic, generateMnemonic, isValidMnemonic, mnemonicToBip39Seed, normalizeMnemonic, slip10Ed25519} from "./sep5.js";
export {decodePublicKey, decodeSecretSeed, encodePublicKey, encodeSecretSeed, fromBase64, toBase64} from "./encoding.js";
export {KeystoreError, type KeystoreErrorCode} from "./errors.js";
export type {CreateKeystoreInput, KeystoreCrypto, KeystoreFile, KeystoreSecret, OpenedKeystore} from "./interface.js";
export {DEFAULT_KDF, MEMLIMIT_MAX, MEMLIMIT_MIN, OPSLIMIT_MAX, OPSLIMIT_MIN, type KdfParams} from "./options.js";
export {browserSodium} from "./sodium-browser.js";
