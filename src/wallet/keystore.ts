/**
 * Keystore file format v1: one account's secret encrypted under a password, with the public key
 * in clear so a wallet can list accounts without the password. Argon2id (crypto_pwhash) turns the
 * password into a secretbox key; XSalsa20-Poly1305 (crypto_secretbox) encrypts and authenticates.
 *
 * This module imports nothing from node: esbuild bundles it into the browser apps, and the
 * crypto comes in through `KeystoreCrypto` (sodium-node.ts in the CLI, sodium-browser.ts there).
 * Everything in the file is checked before any hashing, so a hostile file is refused cheaply.
 */
import {getPublicKey, hashes} from "@noble/ed25519";
import {sha512} from "@noble/hashes/sha2.js";
import {KeystoreError} from "./errors.js";
import {decodePublicKey, encodePublicKey, fromBase64, toBase64} from "./encoding.js";
import type {CreateKeystoreInput, KeystoreCrypto, KeystoreFile, OpenedKeystore} from "./interface.js";
import {
  ACCOUNT_INDEX_MAX,
  DEFAULT_KDF,
  KEY_BYTES,
  MAC_BYTES,
  MEMLIMIT_MAX,
  MEMLIMIT_MIN,
  NAME_PATTERN,
  NONCE_BYTES,
  OPSLIMIT_MAX,
  OPSLIMIT_MIN,
  SALT_BYTES,
  SEED_BYTES,
  type KdfParams,
} from "./options.js";
import {accountSeedFromMnemonic, isValidMnemonic, normalizeMnemonic} from "./sep5.js";

export const KEYSTORE_VERSION = 1;

// @noble/ed25519 needs a synchronous SHA-512 to derive public keys without WebCrypto.
hashes.sha512 ??= sha512;

/** The "G…" address of a 32-byte ed25519 seed. */
export function publicKeyOfSeed(seed: Uint8Array): string {
  return encodePublicKey(getPublicKey(seed));
}

/** Checks KDF limits; throws `bad_params` so nothing is hashed with values outside them. */
export function checkKdfParams(kdf: {opslimit: unknown; memlimit: unknown}): KdfParams {
  const {opslimit, memlimit} = kdf;
  if (typeof opslimit !== "number" || !Number.isInteger(opslimit) || opslimit < OPSLIMIT_MIN || opslimit > OPSLIMIT_MAX) {
    throw new KeystoreError("bad_params", `kdf opslimit must be a whole number from ${OPSLIMIT_MIN} to ${OPSLIMIT_MAX}, got ${String(opslimit)}`);
  }
  if (typeof memlimit !== "number" || !Number.isInteger(memlimit) || memlimit < MEMLIMIT_MIN || memlimit > MEMLIMIT_MAX) {
    throw new KeystoreError("bad_params", `kdf memlimit must be a whole number of bytes from ${MEMLIMIT_MIN} (8 MiB) to ${MEMLIMIT_MAX} (1 GiB), got ${String(memlimit)}`);
  }
  return {opslimit, memlimit};
}

/**
 * Passwords are NFKC-normalised before hashing, so the same password typed on a terminal and in a
 * browser (which may compose accents differently) opens the same file.
 */
function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize("NFKC"));
}

function deriveKey(crypto: KeystoreCrypto, password: string, salt: Uint8Array, kdf: KdfParams): Uint8Array {
  const pw = passwordBytes(password);
  try {
    return crypto.pwhash(KEY_BYTES, pw, salt, kdf.opslimit, kdf.memlimit);
  } finally {
    crypto.memzero(pw);
  }
}

/** Encrypts a secret into a new keystore file (a fresh salt and nonce every time). */
export function createKeystore(crypto: KeystoreCrypto, input: CreateKeystoreInput): KeystoreFile {
  const {name, secret, password} = input;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new KeystoreError("bad_input", `keystore name must be 1-64 characters of A-Z a-z 0-9 . _ - and not start with ".", got ${JSON.stringify(name)}`);
  }
  if (typeof password !== "string" || password.length === 0) throw new KeystoreError("bad_input", "the keystore password must not be empty");
  const kdf = checkKdfParams(input.kdf ?? DEFAULT_KDF);

  let plaintext: Uint8Array;
  let publicKey: string;
  let accountIndex: number | undefined;
  if (secret.kind === "key") {
    if (!(secret.seed instanceof Uint8Array) || secret.seed.length !== SEED_BYTES) throw new KeystoreError("bad_input", `a key secret is a ${SEED_BYTES}-byte ed25519 seed`);
    plaintext = secret.seed.slice();
    publicKey = publicKeyOfSeed(plaintext);
  } else if (secret.kind === "mnemonic") {
    const mnemonic = normalizeMnemonic(secret.mnemonic);
    if (!isValidMnemonic(mnemonic)) throw new KeystoreError("bad_input", "not a BIP-39 English mnemonic (unknown word or bad checksum)");
    accountIndex = secret.accountIndex ?? 0;
    if (!Number.isInteger(accountIndex) || accountIndex < 0 || accountIndex > ACCOUNT_INDEX_MAX) {
      throw new KeystoreError("bad_input", `account index must be 0..${ACCOUNT_INDEX_MAX}, got ${accountIndex}`);
    }
    const seed = accountSeedFromMnemonic(mnemonic, accountIndex);
    publicKey = publicKeyOfSeed(seed);
    crypto.memzero(seed);
    plaintext = new TextEncoder().encode(mnemonic);
  } else {
    throw new KeystoreError("bad_input", `unknown secret kind ${JSON.stringify((secret as {kind: unknown}).kind)}`);
  }

  const salt = crypto.randomBytes(SALT_BYTES);
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const key = deriveKey(crypto, password, salt, kdf);
  let box: Uint8Array;
  try {
    box = crypto.secretboxSeal(plaintext, nonce, key);
  } finally {
    crypto.memzero(key);
    crypto.memzero(plaintext);
  }
  const file: KeystoreFile = {
    diamante_keystore: 1,
    name,
    kind: secret.kind,
    public_key: publicKey,
    ...(accountIndex !== undefined ? {account_index: accountIndex} : {}),
    kdf: {alg: "argon2id13", opslimit: kdf.opslimit, memlimit: kdf.memlimit, salt: toBase64(salt)},
    cipher: {alg: "xsalsa20poly1305", nonce: toBase64(nonce), ciphertext: toBase64(box)},
    created_at: (input.createdAt ?? new Date()).toISOString(),
  };
  return file;
}

/** Serialised form written to disk and offered for download: pretty JSON with a final newline. */
export function serializeKeystore(file: KeystoreFile): string {
  return JSON.stringify(file, null, 2) + "\n";
}

/**
 * A text that failed JSON.parse is "truncated" when it reads as the start of a JSON object cut
 * short (still inside a string or an open bracket), so a half-copied file says so instead of
 * "bad format".
 */
function looksTruncated(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith("{")) return false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const c of t) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth < 0) return false;
      if (depth === 0) return false; // closed the object: the fault is elsewhere
    }
  }
  return inString || depth > 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field<T>(obj: Record<string, unknown>, key: string, where: string, check: (v: unknown) => v is T, what: string): T {
  const v = obj[key];
  if (!check(v)) throw new KeystoreError("bad_format", `keystore ${where}${key} must be ${what}`, {field: `${where}${key}`});
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";

function decodeB64(text: string, fieldName: string): Uint8Array {
  const bytes = fromBase64(text);
  if (!bytes) throw new KeystoreError("bad_format", `keystore ${fieldName} is not standard base64`, {field: fieldName});
  return bytes;
}

/**
 * Validates the shape of a keystore object (already parsed JSON) without touching any crypto.
 * Order matters: the version first (a v2 file may look different), then the KDF params (so a
 * hostile memlimit is `bad_params` whatever else is wrong), then every other field.
 */
export function validateKeystore(obj: unknown): KeystoreFile {
  if (!isObject(obj)) throw new KeystoreError("bad_format", "a keystore is a JSON object");
  const version = obj.diamante_keystore;
  if (version === undefined) throw new KeystoreError("bad_format", "not a Diamante keystore (no diamante_keystore field)");
  if (version !== KEYSTORE_VERSION) throw new KeystoreError("unknown_version", `keystore format version ${JSON.stringify(version)} is not supported (this wallet reads version ${KEYSTORE_VERSION})`, {version});

  const kdf = obj.kdf;
  if (!isObject(kdf)) throw new KeystoreError("bad_format", "keystore kdf must be an object", {field: "kdf"});
  if (kdf.alg !== "argon2id13") throw new KeystoreError("bad_params", `kdf alg must be "argon2id13", got ${JSON.stringify(kdf.alg)}`);
  const params = checkKdfParams({opslimit: kdf.opslimit, memlimit: kdf.memlimit});
  const salt = field(kdf, "salt", "kdf.", isString, "a base64 string");
  if (decodeB64(salt, "kdf.salt").length !== SALT_BYTES) throw new KeystoreError("bad_format", `kdf.salt must be ${SALT_BYTES} bytes`, {field: "kdf.salt"});

  const name = field(obj, "name", "", isString, "a string");
  if (!NAME_PATTERN.test(name)) throw new KeystoreError("bad_format", "keystore name must be 1-64 characters of A-Z a-z 0-9 . _ - not starting with \".\"", {field: "name"});
  const kind = obj.kind;
  if (kind !== "key" && kind !== "mnemonic") throw new KeystoreError("bad_format", `keystore kind must be "key" or "mnemonic", got ${JSON.stringify(kind)}`, {field: "kind"});
  const publicKey = field(obj, "public_key", "", isString, "a string");
  if (!decodePublicKey(publicKey)) throw new KeystoreError("bad_format", "keystore public_key is not a valid G… address (bad characters, length or checksum)", {field: "public_key"});
  let accountIndex: number | undefined;
  if (kind === "mnemonic") {
    accountIndex = field(obj, "account_index", "", isNumber, "a number");
    if (!Number.isInteger(accountIndex) || accountIndex < 0 || accountIndex > ACCOUNT_INDEX_MAX) {
      throw new KeystoreError("bad_format", `account_index must be 0..${ACCOUNT_INDEX_MAX}`, {field: "account_index"});
    }
  } else if (obj.account_index !== undefined) {
    throw new KeystoreError("bad_format", "account_index belongs to mnemonic keystores only", {field: "account_index"});
  }

  const cipher = obj.cipher;
  if (!isObject(cipher)) throw new KeystoreError("bad_format", "keystore cipher must be an object", {field: "cipher"});
  if (cipher.alg !== "xsalsa20poly1305") throw new KeystoreError("bad_format", `cipher alg must be "xsalsa20poly1305", got ${JSON.stringify(cipher.alg)}`, {field: "cipher.alg"});
  const nonce = field(cipher, "nonce", "cipher.", isString, "a base64 string");
  if (decodeB64(nonce, "cipher.nonce").length !== NONCE_BYTES) throw new KeystoreError("bad_format", `cipher.nonce must be ${NONCE_BYTES} bytes`, {field: "cipher.nonce"});
  const ciphertext = field(cipher, "ciphertext", "cipher.", isString, "a base64 string");
  const boxLen = decodeB64(ciphertext, "cipher.ciphertext").length;
  if (kind === "key") {
    const want = MAC_BYTES + SEED_BYTES;
    if (boxLen < want) throw new KeystoreError("truncated", `ciphertext is ${boxLen} bytes, a key keystore has ${want} (the file was cut short)`);
    if (boxLen > want) throw new KeystoreError("tampered", `ciphertext is ${boxLen} bytes, a key keystore has ${want}`);
  } else if (boxLen <= MAC_BYTES) {
    throw new KeystoreError("truncated", `ciphertext is ${boxLen} bytes, shorter than a MAC and any mnemonic (the file was cut short)`);
  }
  const createdAt = field(obj, "created_at", "", isString, "a string");
  if (Number.isNaN(Date.parse(createdAt))) throw new KeystoreError("bad_format", "created_at must be an ISO-8601 date", {field: "created_at"});

  return {
    diamante_keystore: 1,
    name,
    kind,
    public_key: publicKey,
    ...(accountIndex !== undefined ? {account_index: accountIndex} : {}),
    kdf: {alg: "argon2id13", opslimit: params.opslimit, memlimit: params.memlimit, salt},
    cipher: {alg: "xsalsa20poly1305", nonce, ciphertext},
    created_at: createdAt,
  };
}

/** Parses and validates keystore JSON text (no crypto). */
export function parseKeystore(json: string): KeystoreFile {
  if (typeof json !== "string") throw new KeystoreError("bad_format", "a keystore is JSON text");
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    if (json.trim() === "" || looksTruncated(json)) throw new KeystoreError("truncated", "the keystore JSON ends early (the file was cut short)");
    throw new KeystoreError("bad_format", "the keystore is not JSON");
  }
  return validateKeystore(obj);
}

/**
 * Decrypts a keystore (a parsed file, an object, or its JSON text). Uses the file's own KDF
 * params; checks the decrypted secret's public key against the clear one, because secretbox
 * has no associated data and would not notice a swapped `public_key`.
 */
export function openKeystore(crypto: KeystoreCrypto, file: unknown, password: string): OpenedKeystore {
  const ks = typeof file === "string" ? parseKeystore(file) : validateKeystore(file);
  if (typeof password !== "string") throw new KeystoreError("bad_input", "the password must be a string");
  const salt = fromBase64(ks.kdf.salt) as Uint8Array;
  const nonce = fromBase64(ks.cipher.nonce) as Uint8Array;
  const box = fromBase64(ks.cipher.ciphertext) as Uint8Array;
  const key = deriveKey(crypto, password, salt, ks.kdf);
  let plaintext: Uint8Array | null;
  try {
    plaintext = crypto.secretboxOpen(box, nonce, key);
  } finally {
    crypto.memzero(key);
  }
  if (!plaintext) {
    throw new KeystoreError(
      "bad_password",
      "wrong password, or the file was altered: the MAC check cannot tell a wrong password from a changed ciphertext, nonce, salt or kdf params",
    );
  }

  let secretSeed: Uint8Array;
  let mnemonic: string | undefined;
  if (ks.kind === "key") {
    secretSeed = plaintext; // length fixed by validateKeystore: 48 - 16 = 32
  } else {
    mnemonic = new TextDecoder("utf-8", {fatal: false}).decode(plaintext);
    crypto.memzero(plaintext);
    if (!isValidMnemonic(mnemonic)) throw new KeystoreError("tampered", "the decrypted secret is not a valid BIP-39 mnemonic");
    secretSeed = accountSeedFromMnemonic(mnemonic, ks.account_index ?? 0);
  }
  const derived = publicKeyOfSeed(secretSeed);
  if (derived !== ks.public_key) {
    crypto.memzero(secretSeed);
    throw new KeystoreError("public_key_mismatch", `the secret opens to ${derived}, but the file claims ${ks.public_key}: the clear public key was changed`, {
      claimed: ks.public_key,
      derived,
    });
  }
  return {publicKey: derived, secretSeed, ...(mnemonic !== undefined ? {mnemonic} : {})};
}
