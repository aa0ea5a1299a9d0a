/** The keystore's crypto in node: sodium-native (the libsodium the node already uses). */
import sodium from "sodium-native";
import type {KeystoreCrypto} from "./interface.js";

function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export const nodeSodium: KeystoreCrypto = {
  pwhash(outLen, password, salt, opslimit, memlimit) {
    const out = Buffer.alloc(outLen);
    sodium.crypto_pwhash(out, buf(password), buf(salt), opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  secretboxSeal(message, nonce, key) {
    const out = Buffer.alloc(message.length + sodium.crypto_secretbox_MACBYTES);
    sodium.crypto_secretbox_easy(out, buf(message), buf(nonce), buf(key));
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  secretboxOpen(box, nonce, key) {
    if (box.length < sodium.crypto_secretbox_MACBYTES) return null;
    const out = Buffer.alloc(box.length - sodium.crypto_secretbox_MACBYTES);
    if (!sodium.crypto_secretbox_open_easy(out, buf(box), buf(nonce), buf(key))) return null;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  randomBytes(n) {
    const out = Buffer.alloc(n);
    sodium.randombytes_buf(out);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  memzero(u) {
    sodium.sodium_memzero(buf(u));
  },
};
