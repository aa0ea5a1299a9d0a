/**
 * The command line: bad flags and commands get a one-line message and a non-zero exit, and
 * nothing is written; init is idempotent for its own network and refuses another one.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, rmSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {tempDir} from "../helpers/node.js";
import {rootKeypair} from "../../src/ledger/genesis.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: "utf8", timeout: 20_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

describe("diamante CLI", () => {
  const dir = tempDir("diamante-cli-");
  after(() => rmSync(dir, {recursive: true, force: true}));

  it("rejects bad flags and commands without writing anything", () => {
    const data = join(dir, "never");
    for (const args of [
      ["start", "--data", data, "--port", "abc"],
      ["start", "--data", data, "--port", "70000"],
      ["start", "--data", data, "--close-interval", "5"],
      ["init", "--data", data, "--total-coins", "0"],
      ["start", "--data", data, "--no-such-flag"],
      ["frobnicate"],
    ]) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /^diamante: .+\n$/, args.join(" "));
    }
    assert.equal(existsSync(data), false);
  });

  it("takes nice values in -20..19 only, naming the flag", () => {
    const data = join(dir, "never-nice");
    for (const [args, message] of [
      [["--verify-nice=20"], /--verify-nice must be between -20 and 19, got 20/],
      [["--paths-nice=-21"], /--paths-nice must be between -20 and 19, got -21/],
      [["--uv-pool-nice=25"], /--uv-pool-nice must be between -20 and 19, got 25/],
      [["--verify-nice", "low"], /--verify-nice must be a whole number, got "low"/],
    ] as const) {
      const r = run("start", "--data", data, ...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, message);
    }
    assert.equal(existsSync(data), false);
  });

  it("init creates a network once and refuses to reuse its folder for another", () => {
    const data = join(dir, "net");
    const first = run("init", "--data", data, "--passphrase", "CLI Test Network");
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(rootKeypair("CLI Test Network").publicKey()));
    assert.equal(run("init", "--data", data, "--passphrase", "CLI Test Network").code, 0);
    const other = run("init", "--data", data, "--passphrase", "Another Network");
    assert.equal(other.code, 1);
    assert.match(other.err, /holds network "CLI Test Network".*store_network_mismatch/);
  });

  it("prints the root key of a passphrase and fresh keypairs", () => {
    const r = run("root-key", "--passphrase", "CLI Test Network");
    assert.equal(r.code, 0);
    assert.ok(r.out.includes(rootKeypair("CLI Test Network").secret()));
    const k = run("keys");
    assert.match(k.out, /^public G[A-Z2-7]{55}\nsecret S[A-Z2-7]{55}\n$/);
  });
});
