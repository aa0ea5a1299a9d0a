/**
 * Keystore format v1 on both crypto adapters: sodium-native (the CLI) and libsodium-wrappers-sumo
 * (the browser apps, which also runs in node). Files written by one open with the other, and the
 * fixtures in test/fixtures were written once by each adapter (kdf opslimit 1-2, memlimit 8-9 MiB
 * so the tests stay fast; never the defaults). Fixture passwords: "correct horse battery staple"
 * for the node-written files, "pässwörd ✓" for the browser-written one.
 */
import {describe, it, before} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {nodeSodium} from "../../../src/wallet/sodium-node.js";
import {browserSodium} from "../../../src/wallet/sodium-browser.js";
import {createKeystore, openKeystore, parseKeystore, serializeKeystore} from "../../../src/wallet/keystore.js";
import {KeystoreError, type KeystoreErrorCode} from "../../../src/wallet/errors.js";
import {decodeSecretSeed, encodeSecretSeed, fromBase64, toBase64} from "../../../src/wallet/encoding.js";
import type {KeystoreCrypto, KeystoreFile} from "../../../src/wallet/interface.js";
import {DEFAULT_KDF} from "../../../src/wallet/options.js";

const SMALL = {opslimit: 1, memlimit: 8 * 1024 * 1024};
const PASSWORD = "correct horse battery staple";
const MIB = 1024 * 1024;

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/${name}`, import.meta.url)), "utf8");
}

function rejects(fn: () => unknown, code: KeystoreErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KeystoreError, `expected KeystoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Wraps an adapter to record every pwhash call and every key it hands out. */
function spy(inner: KeystoreCrypto) {
  const calls: {opslimit: number; memlimit: number}[] = [];
  const keys: Uint8Array[] = [];
  const crypto: KeystoreCrypto = {
    ...inner,
    pwhash(outLen, password, salt, opslimit, memlimit) {
      calls.push({opslimit, memlimit});
      const key = inner.pwhash(outLen, password, salt, opslimit, memlimit);
      keys.push(key);
      return key;
    },
  };
  return {crypto, calls, keys};
}

const seedA = decodeSecretSeed("SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN") as Uint8Array;
const PUB_A = "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6";
const ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

const adapters: [string, () => Promise<KeystoreCrypto>][] = [
  ["sodium-native", async () => nodeSodium],
  ["libsodium-wrappers-sumo", browserSodium],
];

for (const [label, load] of adapters) {
  describe(`keystore v1 (${label})`, () => {
    let crypto: KeystoreCrypto;
    let other: KeystoreCrypto;
    before(async () => {
      crypto = await load();
      other = label === "sodium-native" ? await browserSodium() : nodeSodium;
    });

    it("round-trips a key, here and through the other adapter", () => {
      const file = createKeystore(crypto, {name: "alice", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: SMALL});
      assert.equal(file.diamante_keystore, 1);
      assert.equal(file.kind, "key");
      assert.equal(file.public_key, PUB_A);
      assert.equal(file.account_index, undefined);
      assert.deepEqual({opslimit: file.kdf.opslimit, memlimit: file.kdf.memlimit}, SMALL);
      assert.equal(fromBase64(file.kdf.salt)?.length, 16);
      assert.equal(fromBase64(file.cipher.nonce)?.length, 24);
      assert.equal(fromBase64(file.cipher.ciphertext)?.length, 48);
      const text = serializeKeystore(file);
      assert.ok(!text.includes(encodeSecretSeed(seedA)));
      for (const c of [crypto, other]) {
        const opened = openKeystore(c, text, PASSWORD);
        assert.equal(opened.publicKey, PUB_A);
        assert.deepEqual(opened.secretSeed, seedA);
        assert.equal(opened.mnemonic, undefined);
      }
      assert.deepEqual(parseKeystore(text), file);
    });

    it("round-trips a mnemonic with its SEP-0005 account index", () => {
      const file = createKeystore(crypto, {name: "hd", secret: {kind: "mnemonic", mnemonic: ` ${ABANDON.toUpperCase()} `, accountIndex: 9}, password: PASSWORD, kdf: SMALL});
      assert.equal(file.kind, "mnemonic");
      assert.equal(file.account_index, 9);
      assert.equal(file.public_key, "GAKFARYSPI33KUJE7HYLT47DCX2PFWJ77W3LZMRBPSGPGYPMSDBE7W7X");
      for (const c of [crypto, other]) {
        const opened = openKeystore(c, file, PASSWORD);
        assert.equal(opened.mnemonic, ABANDON);
        assert.equal(encodeSecretSeed(opened.secretSeed), "SALJ5LPBTXCFML2CQ7ORP7WJNJOZSVBVRQAAODMVHMUF4P4XXFZB7MKY");
      }
      const first = createKeystore(crypto, {name: "hd", secret: {kind: "mnemonic", mnemonic: ABANDON}, password: PASSWORD, kdf: SMALL});
      assert.equal(first.account_index, 0);
      assert.equal(first.public_key, "GB3JDWCQJCWMJ3IILWIGDTQJJC5567PGVEVXSCVPEQOTDN64VJBDQBYX");
    });

    it("uses a fresh salt and nonce for every file", () => {
      const a = createKeystore(crypto, {name: "a", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: SMALL});
      const b = createKeystore(crypto, {name: "a", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: SMALL});
      assert.notEqual(a.kdf.salt, b.kdf.salt);
      assert.notEqual(a.cipher.nonce, b.cipher.nonce);
      assert.notEqual(a.cipher.ciphertext, b.cipher.ciphertext);
    });

    it("opens the fixtures written by both adapters", () => {
      const key = openKeystore(crypto, fixture("keystore-v1-key-node.json"), PASSWORD);
      assert.equal(key.publicKey, PUB_A);
      assert.deepEqual(key.secretSeed, seedA);
      const hd = openKeystore(crypto, fixture("keystore-v1-mnemonic-node.json"), PASSWORD);
      assert.equal(hd.publicKey, "GDVSYYTUAJ3ACHTPQNSTQBDQ4LDHQCMNY4FCEQH5TJUMSSLWQSTG42MV");
      assert.equal(hd.mnemonic, ABANDON);
      const browser = openKeystore(crypto, fixture("keystore-v1-mnemonic-browser.json"), "pässwörd ✓");
      assert.equal(browser.publicKey, "GA6RUD4DZ2NEMAQY4VZJ4C6K6VSEYEJITNSLUQKLCFHJ2JOGC5UCGCFQ");
      assert.equal(encodeSecretSeed(browser.secretSeed), "SCVM6ZNVRUOP4NMCMMKLTVBEMAF2THIOMHPYSSMPCD2ZU7VDPARQQ6OY");
    });

    it("refuses a wrong password", () => {
      rejects(() => openKeystore(crypto, fixture("keystore-v1-key-node.json"), "correct horse battery stapler"), "bad_password", /wrong password/);
      rejects(() => openKeystore(crypto, fixture("keystore-v1-key-node.json"), ""), "bad_password");
    });

    it("refuses a tampered ciphertext, nonce or salt as a failed MAC", () => {
      const file = JSON.parse(fixture("keystore-v1-key-node.json")) as KeystoreFile;
      const flip = (b64: string, at: number) => {
        const bytes = fromBase64(b64) as Uint8Array;
        bytes[at] ^= 1;
        return toBase64(bytes);
      };
      for (const [where, edit] of [
        ["ciphertext", (f: KeystoreFile) => (f.cipher.ciphertext = flip(f.cipher.ciphertext, 40))],
        ["mac", (f: KeystoreFile) => (f.cipher.ciphertext = flip(f.cipher.ciphertext, 0))],
        ["nonce", (f: KeystoreFile) => (f.cipher.nonce = flip(f.cipher.nonce, 3))],
        ["salt", (f: KeystoreFile) => (f.kdf.salt = flip(f.kdf.salt, 7))],
      ] as const) {
        const copy = structuredClone(file);
        edit(copy);
        rejects(() => openKeystore(crypto, copy, PASSWORD), "bad_password", /altered/);
        assert.ok(where);
      }
      const longer = structuredClone(file);
      longer.cipher.ciphertext = toBase64(new Uint8Array([...(fromBase64(file.cipher.ciphertext) as Uint8Array), 0]));
      rejects(() => openKeystore(crypto, longer, PASSWORD), "tampered");
    });

    it("catches a swapped clear public key", () => {
      const file = JSON.parse(fixture("keystore-v1-key-node.json")) as KeystoreFile;
      const other = JSON.parse(fixture("keystore-v1-mnemonic-node.json")) as KeystoreFile;
      file.public_key = other.public_key;
      rejects(() => openKeystore(crypto, file, PASSWORD), "public_key_mismatch", new RegExp(PUB_A));
      const hd = structuredClone(other);
      hd.account_index = 0; // the mnemonic now opens to account 0, not the file's key
      rejects(() => openKeystore(crypto, hd, PASSWORD), "public_key_mismatch");
    });

    it("reports a truncated file or ciphertext as truncated", () => {
      const text = fixture("keystore-v1-key-node.json");
      for (const cut of [1, 20, text.indexOf("ciphertext") + 20, text.length - 4]) rejects(() => openKeystore(crypto, text.slice(0, cut), PASSWORD), "truncated");
      rejects(() => parseKeystore(""), "truncated");
      const file = JSON.parse(text) as KeystoreFile;
      file.cipher.ciphertext = toBase64((fromBase64(file.cipher.ciphertext) as Uint8Array).subarray(0, 30));
      rejects(() => openKeystore(crypto, file, PASSWORD), "truncated");
      const hd = JSON.parse(fixture("keystore-v1-mnemonic-node.json")) as KeystoreFile;
      hd.cipher.ciphertext = toBase64((fromBase64(hd.cipher.ciphertext) as Uint8Array).subarray(0, 16));
      rejects(() => openKeystore(crypto, hd, PASSWORD), "truncated");
    });
  });
}

describe("keystore v1 validation (no crypto needed)", () => {
  const base = () => JSON.parse(fixture("keystore-v1-key-node.json")) as Record<string, unknown> & KeystoreFile;

  it("refuses unknown versions and things that are not keystores", () => {
    for (const v of [0, 2, "1", null]) {
      const f = base() as Record<string, unknown>;
      f.diamante_keystore = v;
      rejects(() => openKeystore(nodeSodium, f, PASSWORD), "unknown_version");
    }
    const f = base() as Record<string, unknown>;
    delete f.diamante_keystore;
    rejects(() => openKeystore(nodeSodium, f, PASSWORD), "bad_format");
    rejects(() => parseKeystore("not json"), "bad_format");
    rejects(() => parseKeystore("[1,2]"), "bad_format");
    rejects(() => parseKeystore('{"a": 1}}'), "bad_format");
  });

  it("refuses malformed fields with bad_format", () => {
    const edits: [string, (f: Record<string, unknown> & KeystoreFile) => void][] = [
      ["name", (f) => (f.name = "../etc/passwd")],
      ["name", (f) => (f.name = ".hidden")],
      ["kind", (f) => ((f as Record<string, unknown>).kind = "seed")],
      ["public_key", (f) => (f.public_key = PUB_A.slice(0, 55) + (PUB_A.endsWith("6") ? "7" : "6"))],
      ["public_key", (f) => (f.public_key = encodeSecretSeed(seedA))],
      ["account_index", (f) => (f.account_index = 0)],
      ["salt", (f) => (f.kdf.salt = "AAAA")],
      ["salt", (f) => (f.kdf.salt = "not base64!")],
      ["nonce", (f) => (f.cipher.nonce = toBase64(new Uint8Array(23)))],
      ["cipher.alg", (f) => ((f.cipher as Record<string, unknown>).alg = "aes-256-gcm")],
      ["ciphertext", (f) => ((f.cipher as Record<string, unknown>).ciphertext = 12)],
      ["created_at", (f) => (f.created_at = "yesterday")],
    ];
    for (const [label, edit] of edits) {
      const f = base();
      edit(f);
      rejects(() => openKeystore(nodeSodium, f, PASSWORD), "bad_format", undefined);
      assert.ok(label);
    }
  });

  it("refuses KDF params out of range before any hashing", () => {
    const {crypto, calls} = spy(nodeSodium);
    const bad: [string, unknown][] = [
      ["memlimit", 100 * 1024 * MIB],
      ["memlimit", 1024 * MIB + 1],
      ["memlimit", 8 * MIB - 1],
      ["memlimit", 8 * MIB + 0.5],
      ["memlimit", "67108864"],
      ["opslimit", 0],
      ["opslimit", 17],
      ["opslimit", 2 ** 40],
      ["opslimit", 1.5],
      ["opslimit", null],
      ["alg", "argon2i13"],
    ];
    for (const [key, value] of bad) {
      const f = base();
      (f.kdf as Record<string, unknown>)[key] = value;
      rejects(() => openKeystore(crypto, f, PASSWORD), "bad_params");
      rejects(() => parseKeystore(JSON.stringify(f)), "bad_params");
    }
    rejects(() => createKeystore(crypto, {name: "x", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: {opslimit: 3, memlimit: 2 * 1024 * MIB}}), "bad_params");
    rejects(() => createKeystore(crypto, {name: "x", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: {opslimit: 0, memlimit: 8 * MIB}}), "bad_params");
    assert.equal(calls.length, 0);
  });

  it("reads the KDF params from the file, and a changed param changes the key", () => {
    const {crypto, calls} = spy(nodeSodium);
    const browserFile = fixture("keystore-v1-mnemonic-browser.json");
    openKeystore(crypto, browserFile, "pässwörd ✓");
    assert.deepEqual(calls, [{opslimit: 2, memlimit: 9 * MIB}]);
    const made = createKeystore(crypto, {name: "p", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: {opslimit: 3, memlimit: 10 * MIB}});
    openKeystore(crypto, made, PASSWORD);
    assert.deepEqual(calls.slice(1), [
      {opslimit: 3, memlimit: 10 * MIB},
      {opslimit: 3, memlimit: 10 * MIB},
    ]);
    const changed = structuredClone(made);
    changed.kdf.opslimit = 2;
    rejects(() => openKeystore(crypto, changed, PASSWORD), "bad_password");
    assert.deepEqual(calls.at(-1), {opslimit: 2, memlimit: 10 * MIB});
  });

  it("defaults to opslimit 3 and 64 MiB", () => {
    assert.deepEqual({...DEFAULT_KDF}, {opslimit: 3, memlimit: 64 * MIB});
    const {crypto, calls} = spy(nodeSodium);
    const file = createKeystore(crypto, {name: "d", secret: {kind: "key", seed: seedA}, password: PASSWORD});
    assert.deepEqual(calls, [{opslimit: 3, memlimit: 64 * MIB}]);
    assert.equal(file.kdf.opslimit, 3);
    assert.equal(file.kdf.memlimit, 64 * MIB);
  });

  it("zeroes the derived keys after use", () => {
    const {crypto, keys} = spy(nodeSodium);
    const file = createKeystore(crypto, {name: "z", secret: {kind: "key", seed: seedA}, password: PASSWORD, kdf: SMALL});
    openKeystore(crypto, file, PASSWORD);
    rejects(() => openKeystore(crypto, file, "wrong"), "bad_password");
    assert.equal(keys.length, 3);
    for (const k of keys) assert.ok(k.every((b) => b === 0));
    // The caller's seed is copied, not zeroed under it.
    assert.equal(encodeSecretSeed(seedA), "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN");
  });

  it("normalises passwords (NFKC), so composed and decomposed accents open the same file", () => {
    const composed = "caf\u00e9";
    const decomposed = "cafe\u0301";
    const file = createKeystore(nodeSodium, {name: "n", secret: {kind: "key", seed: seedA}, password: composed, kdf: SMALL});
    assert.equal(openKeystore(nodeSodium, file, decomposed).publicKey, PUB_A);
  });

  it("refuses bad create arguments", () => {
    const {crypto, calls} = spy(nodeSodium);
    const ok = {name: "x", password: PASSWORD, kdf: SMALL};
    rejects(() => createKeystore(crypto, {...ok, secret: {kind: "key", seed: seedA.subarray(0, 31)}}), "bad_input");
    rejects(() => createKeystore(crypto, {...ok, secret: {kind: "mnemonic", mnemonic: ABANDON.replace(/about$/, "abandon")}}), "bad_input");
    rejects(() => createKeystore(crypto, {...ok, secret: {kind: "mnemonic", mnemonic: ABANDON, accountIndex: 2 ** 31}}), "bad_input");
    rejects(() => createKeystore(crypto, {...ok, password: "", secret: {kind: "key", seed: seedA}}), "bad_input");
    rejects(() => createKeystore(crypto, {...ok, name: "a/b", secret: {kind: "key", seed: seedA}}), "bad_input");
    assert.equal(calls.length, 0);
  });
});
