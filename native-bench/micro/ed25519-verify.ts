/**
 * ed25519 verification, the dominant per-transaction CPU cost: libsodium through sodium-native
 * against node:crypto (OpenSSL) and the pure-JS @noble/ed25519 baseline.
 */
import {createHash, createPublicKey, verify as cryptoVerify, type KeyObject} from "node:crypto";
import * as ed from "@noble/ed25519";
import sodium from "sodium-native";
import {BenchError, BenchErrorCode} from "../errors.js";
import {signedSamples, type SignedSamples} from "../fixtures.js";
import {isEntryPoint, measureAsync, measureSync, type Section} from "../measure.js";
import {defaultMicroOptions, type MicroOptions} from "../options.js";
import {sectionText} from "../report.js";

/** 256 distinct keys: more than fit in any per-key cache a library might keep, fewer than would
 * make fixture generation noticeable (~10 ms). */
const SAMPLE_COUNT = 256;
/** Sequential awaits per async-noble run: ~0.2 s at the ~800/s expected of pure JS. */
const NOBLE_ASYNC_PER_RUN = 128;

/**
 * noble v3's synchronous API needs a SHA-512; node's (OpenSSL) is the one the node would pass.
 * The copy into a fresh Uint8Array (64 bytes) is noise next to a ~1 ms verify.
 */
function enableNobleSync(): void {
  if (ed.hashes.sha512 === undefined) {
    ed.hashes.sha512 = (message) => new Uint8Array(createHash("sha512").update(message).digest());
  }
}

/** node:crypto wants a KeyObject; raw 32-byte keys go in through their JWK form. */
function ed25519KeyObject(publicKey: Buffer): KeyObject {
  return createPublicKey({key: {kty: "OKP", crv: "Ed25519", x: publicKey.toString("base64url")}, format: "jwk"});
}

type Verifier = (i: number) => boolean;

function verifiers(samples: SignedSamples): Record<string, Verifier> {
  const {publicKeys, messages, signatures} = samples;
  const keyObjects = publicKeys.map(ed25519KeyObject);
  return {
    "sodium-native": (i) => sodium.crypto_sign_verify_detached(signatures[i], messages[i], publicKeys[i]),
    "node:crypto (cached KeyObject)": (i) => cryptoVerify(null, messages[i], keyObjects[i], signatures[i]),
    "node:crypto (KeyObject per verify)": (i) =>
      cryptoVerify(null, messages[i], ed25519KeyObject(publicKeys[i]), signatures[i]),
    "@noble/ed25519 verify (sync)": (i) => ed.verify(signatures[i], messages[i], publicKeys[i]),
  };
}

/** Every verifier must accept all valid samples and reject a tampered one, or its speed is moot. */
function checkVerifiers(samples: SignedSamples, all: Record<string, Verifier>): void {
  const tampered: SignedSamples = {
    publicKeys: [samples.publicKeys[0]],
    messages: [Buffer.from(samples.messages[0])],
    signatures: [samples.signatures[0]],
  };
  tampered.messages[0][0] ^= 1;
  const tamperedVerifiers = verifiers(tampered);
  for (const [name, verify] of Object.entries(all)) {
    for (let i = 0; i < samples.publicKeys.length; i++) {
      if (!verify(i)) throw new BenchError(BenchErrorCode.SanityCheckFailed, `${name} rejected valid sample ${i}`);
    }
    if (tamperedVerifiers[name](0)) {
      throw new BenchError(BenchErrorCode.SanityCheckFailed, `${name} accepted a tampered message`);
    }
  }
}

export async function runEd25519Bench(opts: MicroOptions = defaultMicroOptions): Promise<Section> {
  enableNobleSync();
  const samples = signedSamples(SAMPLE_COUNT);
  const all = verifiers(samples);
  checkVerifiers(samples, all);

  const figures = Object.entries(all).map(([name, verify]) => {
    let i = 0;
    return measureSync(name, () => {
      verify(i);
      i = (i + 1) % SAMPLE_COUNT;
    }, opts);
  });

  let j = 0;
  figures.push(
    await measureAsync("@noble/ed25519 verifyAsync (WebCrypto SHA-512)", async () => {
      for (let k = 0; k < NOBLE_ASYNC_PER_RUN; k++) {
        const ok = await ed.verifyAsync(samples.signatures[j], samples.messages[j], samples.publicKeys[j]);
        if (!ok) throw new BenchError(BenchErrorCode.SanityCheckFailed, "verifyAsync rejected a valid sample");
        j = (j + 1) % SAMPLE_COUNT;
      }
      return NOBLE_ASYNC_PER_RUN;
    }, opts.runs),
  );

  return {
    title: "ed25519 verify (one core, 32-byte messages, 256 keys round-robin)",
    baseline: "@noble/ed25519 verify (sync)",
    figures,
    notes: [
      "noble v3's sync verify needs hashes.sha512 set: node:crypto's SHA-512 is plugged in.",
      "Every verifier accepted all 256 valid samples and rejected a tampered message.",
    ],
  };
}

if (isEntryPoint(import.meta.url)) {
  console.log(sectionText(await runEd25519Bench()));
}
