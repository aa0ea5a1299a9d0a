/**
 * Serialising a ledger entry: msgpackr (the node's internal format for stored values and worker
 * messages) against JSON, which needs a replacer/reviver pair to carry int64 bigints.
 */
import {deepStrictEqual} from "node:assert/strict";
import {Packr} from "msgpackr";
import {BenchError, BenchErrorCode} from "../errors.js";
import {accountLikeEntry, type AccountLikeEntry} from "../fixtures.js";
import {isEntryPoint, measureSync, type Figure, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";

/** Distinct entries cycled through, so no call sees the exact object the previous call did. */
const ENTRY_COUNT = 64;

/** Bigints travel through JSON as {"$n": "<decimal>"}: JSON has no integer wider than 2^53. */
function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? {$n: value.toString()} : value;
}

function bigintReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && "$n" in value) {
    const n = (value as {$n: unknown}).$n;
    if (typeof n === "string") return BigInt(n);
  }
  return value;
}

interface Codec {
  name: string;
  encode: (entry: AccountLikeEntry) => Buffer | string;
  decode: (bytes: Buffer | string) => unknown;
}

function codecs(): Codec[] {
  // Plain maps: every value self-describing, readable by any msgpack decoder (how values are
  // stored on disk, where a record-structure table would have to be kept alongside).
  const plain = new Packr({useRecords: false});
  // Record structures: keys written once per shape; fits worker messages inside one process.
  const records = new Packr({useRecords: true});
  return [
    {name: "msgpackr (maps)", encode: (e) => plain.pack(e), decode: (b) => plain.unpack(b as Buffer)},
    {name: "msgpackr (records)", encode: (e) => records.pack(e), decode: (b) => records.unpack(b as Buffer)},
    {
      name: "JSON + bigint replacer",
      encode: (e) => JSON.stringify(e, bigintReplacer),
      decode: (s) => JSON.parse(s as string, bigintReviver),
    },
  ];
}

export function runMsgpackBench(opts: MicroOptions = defaultMicroOptions): Section {
  const entries = Array.from({length: ENTRY_COUNT}, (_, i) => accountLikeEntry(i));
  const all = codecs();
  const sizes: string[] = [];
  for (const codec of all) {
    const encoded = entries.map(codec.encode);
    encoded.forEach((bytes, i) => {
      try {
        deepStrictEqual(codec.decode(bytes), entries[i]);
      } catch (err) {
        throw new BenchError(BenchErrorCode.SanityCheckFailed, `${codec.name} does not round-trip entry ${i}`, {
          cause: String(err),
        });
      }
    });
    sizes.push(`${codec.name}: ${Buffer.byteLength(encoded[0])} bytes`);
  }

  const json = all[all.length - 1].name;
  const figures: Figure[] = [];
  for (const codec of all) {
    let i = 0;
    const encode = measureSync(`${codec.name} encode`, () => {
      codec.encode(entries[i]);
      i = (i + 1) % ENTRY_COUNT;
    }, opts);
    const encoded = entries.map(codec.encode);
    let j = 0;
    const decode = measureSync(`${codec.name} decode`, () => {
      codec.decode(encoded[j]);
      j = (j + 1) % ENTRY_COUNT;
    }, opts);
    let k = 0;
    const roundTrip = measureSync(`${codec.name} round trip`, () => {
      codec.decode(codec.encode(entries[k]));
      k = (k + 1) % ENTRY_COUNT;
    }, opts);
    figures.push(
      {...encode, baseline: `${json} encode`},
      {...decode, baseline: `${json} decode`},
      {...roundTrip, baseline: `${json} round trip`},
    );
  }

  return {
    title: "ledger entry encode/decode (account-like record with 5 bigints)",
    baseline: "JSON + bigint replacer round trip",
    figures,
    notes: [
      `Encoded size of one entry: ${sizes.join("; ")}.`,
      "All codecs round-trip the entry exactly (bigints come back as bigints).",
      "Each row is compared with the same step of JSON (encode with encode, decode with decode).",
    ],
  };
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(runMsgpackBench()));
}
