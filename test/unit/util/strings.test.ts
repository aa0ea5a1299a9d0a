/**
 * flatLatin1 (src/util/strings.ts): the same text back, for text built a piece at a time (as
 * StrKey's encoder builds an address) and for every Latin-1 character.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair, StrKey} from "@stellar/stellar-base";
import {flatLatin1} from "../../../src/util/strings.js";
import {accountIdFromRaw} from "../../../src/tx/keys.js";

describe("flatLatin1", () => {
  it("returns text appended a character at a time unchanged", () => {
    let text = "";
    for (let i = 0; i < 56; i++) text += String.fromCharCode(65 + (i % 26));
    assert.equal(flatLatin1(text), text);
    assert.equal(flatLatin1(""), "");
  });

  it("keeps every Latin-1 character", () => {
    const all = Array.from({length: 256}, (_, c) => String.fromCharCode(c)).join("");
    assert.equal(flatLatin1(all), all);
    assert.equal(flatLatin1("2024-05-01T12:00:00Z"), "2024-05-01T12:00:00Z");
  });

  it("leaves cached account ids equal to StrKey's", () => {
    for (let i = 1; i <= 5; i++) {
      const raw = Keypair.fromRawEd25519Seed(Buffer.alloc(32, i)).rawPublicKey();
      assert.equal(accountIdFromRaw(raw), StrKey.encodeEd25519PublicKey(raw));
      assert.equal(accountIdFromRaw(raw), StrKey.encodeEd25519PublicKey(raw), "from the cache");
    }
  });
});
