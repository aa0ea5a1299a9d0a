/**
 * SEP-0005 derivation against the test vectors published in the SEP (stellar-protocol,
 * ecosystem/sep-0005.md, "Test Cases"): BIP-39 seed, the m/44'/148' key, and account keys.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {
  accountSeedFromMnemonic,
  generateMnemonic,
  isValidMnemonic,
  mnemonicToBip39Seed,
  normalizeMnemonic,
  slip10Ed25519,
} from "../../../src/wallet/sep5.js";
import {encodeSecretSeed} from "../../../src/wallet/encoding.js";
import {publicKeyOfSeed} from "../../../src/wallet/keystore.js";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

interface Vector {
  mnemonic: string;
  passphrase?: string;
  bip39Seed: string;
  coinKey: string;
  /** [index, public, secret] */
  accounts: [number, string, string][];
}

const VECTORS: Vector[] = [
  {
    mnemonic: "illness spike retreat truth genius clock brain pass fit cave bargain toe",
    bip39Seed: "e4a5a632e70943ae7f07659df1332160937fad82587216a4c64315a0fb39497ee4a01f76ddab4cba68147977f3a147b6ad584c41808e8238a07f6cc4b582f186",
    coinKey: "e0eec84fe165cd427cb7bc9b6cfdef0555aa1cb6f9043ff1fe986c3c8ddd22e3",
    accounts: [
      [0, "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6", "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN"],
      [1, "GBAW5XGWORWVFE2XTJYDTLDHXTY2Q2MO73HYCGB3XMFMQ562Q2W2GJQX", "SCEPFFWGAG5P2VX5DHIYK3XEMZYLTYWIPWYEKXFHSK25RVMIUNJ7CTIS"],
      [2, "GAY5PRAHJ2HIYBYCLZXTHID6SPVELOOYH2LBPH3LD4RUMXUW3DOYTLXW", "SDAILLEZCSA67DUEP3XUPZJ7NYG7KGVRM46XA7K5QWWUIGADUZCZWTJP"],
      [3, "GAOD5NRAEORFE34G5D4EOSKIJB6V4Z2FGPBCJNQI6MNICVITE6CSYIAE", "SBMWLNV75BPI2VB4G27RWOMABVRTSSF7352CCYGVELZDSHCXWCYFKXIX"],
      [4, "GBCUXLFLSL2JE3NWLHAWXQZN6SQC6577YMAU3M3BEMWKYPFWXBSRCWV4", "SCPCY3CEHMOP2TADSV2ERNNZBNHBGP4V32VGOORIEV6QJLXD5NMCJUXI"],
      [5, "GBRQY5JFN5UBG5PGOSUOL4M6D7VRMAYU6WW2ZWXBMCKB7GPT3YCBU2XZ", "SCK27SFHI3WUDOEMJREV7ZJQG34SCBR6YWCE6OLEXUS2VVYTSNGCRS6X"],
      [6, "GBY27SJVFEWR3DUACNBSMJB6T4ZPR4C7ZXSTHT6GMZUDL23LAM5S2PQX", "SDJ4WDPOQAJYR3YIAJOJP3E6E4BMRB7VZ4QAEGCP7EYVDW6NQD3LRJMZ"],
      [7, "GAY7T23Z34DWLSTEAUKVBPHHBUE4E3EMZBAQSLV6ZHS764U3TKUSNJOF", "SA3HXJUCE2N27TBIZ5JRBLEBF3TLPQEBINP47E6BTMIWW2RJ5UKR2B3L"],
      [8, "GDJTCF62UUYSAFAVIXHPRBR4AUZV6NYJR75INVDXLLRZLZQ62S44443R", "SCD5OSHUUC75MSJG44BAT3HFZL2HZMMQ5M4GPDL7KA6HJHV3FLMUJAME"],
      [9, "GBTVYYDIYWGUQUTKX6ZMLGSZGMTESJYJKJWAATGZGITA25ZB6T5REF44", "SCJGVMJ66WAUHQHNLMWDFGY2E72QKSI3XGSBYV6BANDFUFE7VY4XNXXR"],
    ],
  },
  {
    mnemonic: "resource asthma orphan phone ice canvas fire useful arch jewel impose vague theory cushion top",
    bip39Seed: "7b36d4e725b48695c3ffd2b4b317d5552cb157c1a26c46d36a05317f0d3053eb8b3b6496ba39ebd9312d10e3f9937b47a6790541e7c577da027a564862e92811",
    coinKey: "2e5d4e6b54a4b96c5e887c9ec92f619a3c134d8b1059dcef15c1a9b228ae3751",
    accounts: [
      [0, "GAVXVW5MCK7Q66RIBWZZKZEDQTRXWCZUP4DIIFXCCENGW2P6W4OA34RH", "SAKS7I2PNDBE5SJSUSU2XLJ7K5XJ3V3K4UDFAHMSBQYPOKE247VHAGDB"],
      [9, "GB3C6RRQB3V7EPDXEDJCMTS45LVDLSZQ46PTIGKZUY37DXXEOAKJIWSV", "SDHRG2J34MGDAYHMOVKVJC6LX2QZMCTIKRO5I4JQ6BJQ36KVL6QUTT72"],
    ],
  },
  {
    mnemonic: "bench hurt jump file august wise shallow faculty impulse spring exact slush thunder author capable act festival slice deposit sauce coconut afford frown better",
    bip39Seed: "937ae91f6ab6f12461d9936dfc1375ea5312d097f3f1eb6fed6a82fbe38c85824da8704389831482db0433e5f6c6c9700ff1946aa75ad8cc2654d6e40f567866",
    coinKey: "df474e0dc2711089b89af6b089aceeb77e73120e9f895bd330a36fa952835ea8",
    accounts: [
      [0, "GC3MMSXBWHL6CPOAVERSJITX7BH76YU252WGLUOM5CJX3E7UCYZBTPJQ", "SAEWIVK3VLNEJ3WEJRZXQGDAS5NVG2BYSYDFRSH4GKVTS5RXNVED5AX7"],
      [5, "GA6RUD4DZ2NEMAQY4VZJ4C6K6VSEYEJITNSLUQKLCFHJ2JOGC5UCGCFQ", "SCVM6ZNVRUOP4NMCMMKLTVBEMAF2THIOMHPYSSMPCD2ZU7VDPARQQ6OY"],
      [9, "GDXOY6HXPIDT2QD352CH7VWX257PHVFR72COWQ74QE3TEV4PK2KCKZX7", "SCPA5OX4EYINOPAUEQCPY6TJMYICUS5M7TVXYKWXR3G5ZRAJXY3C37GF"],
    ],
  },
  {
    mnemonic: "cable spray genius state float twenty onion head street palace net private method loan turn phrase state blanket interest dry amazing dress blast tube",
    passphrase: "p4ssphr4se",
    bip39Seed: "d425d39998fb42ce4cf31425f0eaec2f0a68f47655ea030d6d26e70200d8ff8bd4326b4bdf562ea8640a1501ae93ccd0fd7992116da5dfa24900e570a742a489",
    coinKey: "c83c61dc97d37832f0f20e258c3ba4040a258800fd14abaff124a4dee114b17e",
    accounts: [
      [0, "GDAHPZ2NSYIIHZXM56Y36SBVTV5QKFIZGYMMBHOU53ETUSWTP62B63EQ", "SAFWTGXVS7ELMNCXELFWCFZOPMHUZ5LXNBGUVRCY3FHLFPXK4QPXYP2X"],
      [9, "GBOSMFQYKWFDHJWCMCZSMGUMWCZOM4KFMXXS64INDHVCJ2A2JAABCYRR", "SDXDYPDNRMGOF25AWYYKPHFAD3M54IT7LCLG7RWTGR3TS32A4HTUXNOS"],
    ],
  },
  {
    mnemonic: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    bip39Seed: "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4",
    coinKey: "03df7921b4f789040e361d07d5e4eddad277c376350d7b5d585400a0ef18f2f5",
    accounts: [
      [0, "GB3JDWCQJCWMJ3IILWIGDTQJJC5567PGVEVXSCVPEQOTDN64VJBDQBYX", "SBUV3MRWKNS6AYKZ6E6MOUVF2OYMON3MIUASWL3JLY5E3ISDJFELYBRZ"],
      [1, "GDVSYYTUAJ3ACHTPQNSTQBDQ4LDHQCMNY4FCEQH5TJUMSSLWQSTG42MV", "SCHDCVCWGAKGIMTORV6K5DYYV3BY4WG3RA4M6MCBGJLHUCWU2MC6DL66"],
      [9, "GAKFARYSPI33KUJE7HYLT47DCX2PFWJ77W3LZMRBPSGPGYPMSDBE7W7X", "SALJ5LPBTXCFML2CQ7ORP7WJNJOZSVBVRQAAODMVHMUF4P4XXFZB7MKY"],
    ],
  },
];

describe("SEP-0005 key derivation", () => {
  for (const [n, v] of VECTORS.entries()) {
    it(`matches test ${n + 1} (${v.mnemonic.split(" ").length} words${v.passphrase ? " + passphrase" : ""})`, () => {
      assert.ok(isValidMnemonic(v.mnemonic));
      const seed = mnemonicToBip39Seed(v.mnemonic, v.passphrase);
      assert.equal(hex(seed), v.bip39Seed);
      assert.equal(hex(slip10Ed25519(seed, [44, 148])), v.coinKey);
      for (const [index, pub, secret] of v.accounts) {
        const accountSeed = accountSeedFromMnemonic(v.mnemonic, index, v.passphrase);
        assert.equal(encodeSecretSeed(accountSeed), secret, `account ${index}`);
        assert.equal(publicKeyOfSeed(accountSeed), pub, `account ${index}`);
      }
    });
  }

  it("normalises spacing and case, and rejects a bad checksum or an unknown word", () => {
    const v = VECTORS[0];
    const messy = `  ${v.mnemonic.toUpperCase().split(" ").join("   \n")}  `;
    assert.equal(normalizeMnemonic(messy), v.mnemonic);
    assert.equal(encodeSecretSeed(accountSeedFromMnemonic(messy, 0)), v.accounts[0][2]);
    assert.equal(isValidMnemonic(v.mnemonic.replace(/toe$/, "top")), false);
    assert.equal(isValidMnemonic(v.mnemonic.replace(/^illness/, "illnesz")), false);
  });

  it("refuses indexes that cannot be hardened", () => {
    assert.throws(() => accountSeedFromMnemonic(VECTORS[0].mnemonic, 2 ** 31), RangeError);
    assert.throws(() => accountSeedFromMnemonic(VECTORS[0].mnemonic, -1), RangeError);
  });

  it("generates valid 24- and 12-word mnemonics", () => {
    const m24 = generateMnemonic();
    assert.equal(m24.split(" ").length, 24);
    assert.ok(isValidMnemonic(m24));
    assert.equal(generateMnemonic(12).split(" ").length, 12);
    assert.notEqual(generateMnemonic(), m24);
  });
});
