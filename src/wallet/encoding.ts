/**
 * Base64 and Stellar strkeys without Buffer or node imports, so the keystore and SEP-0005 code
 * bundle into the browser apps unchanged.
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return out;
}

/** Standard padded base64; null for anything else, including non-canonical trailing bits. */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      n = (n << 6) | (c === "=" ? 0 : (B64_INDEX.get(c) as number));
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  // One byte has a single encoding: refuse bits hidden in the padding.
  return toBase64(out) === text ? out : null;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function crc16xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Version bytes of SEP-0023 strkeys (ed25519 public key "G…", ed25519 seed "S…"). */
const VERSION_PUBLIC = 6 << 3;
const VERSION_SEED = 18 << 3;

function encodeStrKey(version: number, payload: Uint8Array): string {
  const body = new Uint8Array(1 + payload.length + 2);
  body[0] = version;
  body.set(payload, 1);
  const crc = crc16xmodem(body.subarray(0, 1 + payload.length));
  body[1 + payload.length] = crc & 0xff;
  body[2 + payload.length] = crc >> 8;
  const out = base32(body);
  body.fill(0);
  return out;
}

export function encodePublicKey(raw: Uint8Array): string {
  return encodeStrKey(VERSION_PUBLIC, raw);
}

export function encodeSecretSeed(seed: Uint8Array): string {
  return encodeStrKey(VERSION_SEED, seed);
}

function decodeStrKey(version: number, text: string): Uint8Array | null {
  if (text.length !== 56 || !/^[A-Z2-7]+$/.test(text)) return null;
  const body = new Uint8Array(35);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const c of text) {
    value = ((value << 5) | B32.indexOf(c)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      body[o++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
    }
  }
  // 56 chars carry 280 bits = 35 bytes exactly: no leftover bits to check.
  if (body[0] !== version) return null;
  const crc = crc16xmodem(body.subarray(0, 33));
  if (body[33] !== (crc & 0xff) || body[34] !== crc >> 8) return null;
  return body.slice(1, 33);
}

/** Raw 32-byte key of a "G…" address, or null when it is not one (bad checksum, other type). */
export function decodePublicKey(text: string): Uint8Array | null {
  return decodeStrKey(VERSION_PUBLIC, text);
}

/** Raw 32-byte seed of an "S…" secret, or null. The caller zeroes it. */
export function decodeSecretSeed(text: string): Uint8Array | null {
  return decodeStrKey(VERSION_SEED, text);
}
