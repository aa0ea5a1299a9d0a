/**
 * The keystore's crypto in the browser apps: libsodium-wrappers-sumo (wasm; the sumo build is the
 * one with crypto_pwhash). It also runs in node, which is how the tests open CLI-written files
 * with the browser's code.
 */
import sodium from "libsodium-wrappers-sumo";
import type {KeystoreCrypto} from "./interface.js";

let adapter: Promise<KeystoreCrypto> | undefined;

/** Resolves once the wasm module is loaded; every call after that is synchronous. */
export function browserSodium(): Promise<KeystoreCrypto> {
  adapter ??= sodium.ready.then(
    (): KeystoreCrypto => ({
      pwhash: (outLen, password, salt, opslimit, memlimit) => sodium.crypto_pwhash(outLen, password, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13),
      secretboxSeal: (message, nonce, key) => sodium.crypto_secretbox_easy(message, nonce, key),
      secretboxOpen(box, nonce, key) {
        if (box.length < sodium.crypto_secretbox_MACBYTES) return null;
        try {
          return sodium.crypto_secretbox_open_easy(box, nonce, key);
        } catch {
          // libsodium.js throws on a failed MAC; the interface reports it as null.
          return null;
        }
      },
      randomBytes: (n) => sodium.randombytes_buf(n),
      memzero: (u) => sodium.memzero(u),
    }),
  );
  return adapter;
}
