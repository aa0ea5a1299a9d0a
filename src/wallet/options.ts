/**
 * Keystore KDF limits. Argon2id's cost is set by the writer and stored in the file; the reader
 * takes the file's values but only inside these bounds, so a hostile file cannot make a browser
 * tab or the CLI allocate gigabytes or spin for minutes before the MAC check can fail.
 */
export interface KdfParams {
  /** Argon2id passes over memory. */
  opslimit: number;
  /** Argon2id memory in bytes. */
  memlimit: number;
}

/**
 * libsodium's "moderate" pair (3 passes, 64 MiB, about 0.5 s natively and 1-2 s in a browser's
 * wasm). The "sensitive" 1 GiB pair does not fit in many phones' wasm heaps, and the file must
 * open in the browser apps.
 */
export const DEFAULT_KDF: Readonly<KdfParams> = Object.freeze({opslimit: 3, memlimit: 64 * 1024 * 1024});

/** Argon2id needs at least one pass; 16 passes at 1 GiB is already minutes of work. */
export const OPSLIMIT_MIN = 1;
export const OPSLIMIT_MAX = 16;
/** 8 MiB is the least that still makes guessing costly; 1 GiB is libsodium's "sensitive" level. */
export const MEMLIMIT_MIN = 8 * 1024 * 1024;
export const MEMLIMIT_MAX = 1024 * 1024 * 1024;

export const SALT_BYTES = 16;
export const NONCE_BYTES = 24;
export const KEY_BYTES = 32;
export const MAC_BYTES = 16;
export const SEED_BYTES = 32;

/** Names become file names in the CLI's keystore folder: no separators, no hidden files. */
export const NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/** Largest hardened SLIP-0010 index (the index is stored without the 2^31 hardening bit). */
export const ACCOUNT_INDEX_MAX = 0x7fffffff;
