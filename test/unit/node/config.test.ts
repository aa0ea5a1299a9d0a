/**
 * The node config file: every setting checked, a bad one named in a clear error; the history
 * archive setting takes exactly one kind of archive, and a folder is relative to the file.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Keypair} from "@stellar/stellar-base";
import {loadNodeConfig} from "../../../src/node/config.js";
import {HerderError} from "../../../src/herder/errors.js";
import {archiveFromConfig, CommandArchive, FolderArchive, HttpArchive, canPublish} from "../../../src/history/archive.js";

const validators = [Keypair.random().publicKey(), Keypair.random().publicKey(), Keypair.random().publicKey()];
const quorumSet = {threshold: 2, validators, innerSets: []};

function withConfig(body: Record<string, unknown>, check: (file: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "diamante-config-"));
  try {
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify(body));
    check(file, dir);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

test("a history folder is resolved against the config file's folder and published to by a validator", () => {
  withConfig({quorumSet, history: {folder: "archive"}}, (file, dir) => {
    const o = loadNodeConfig(file);
    assert.deepEqual(o.network?.history, {folder: join(dir, "archive")});
    const a = archiveFromConfig(o.network!.history!);
    assert.ok(a instanceof FolderArchive && canPublish(a));
  });
});

test("command templates and a URL: a get-only or URL archive is read, never published to", () => {
  withConfig({quorumSet, history: {get: "cp /a/{0} {1}", put: "cp {0} /a/{1}", mkdir: "mkdir -p /a/{0}"}}, (file) => {
    const a = archiveFromConfig(loadNodeConfig(file).network!.history!);
    assert.ok(a instanceof CommandArchive && a.canRead && canPublish(a));
  });
  withConfig({quorumSet, history: {get: "curl -sf https://h/{0} -o {1}"}}, (file) => {
    const a = archiveFromConfig(loadNodeConfig(file).network!.history!);
    assert.ok(a.canRead && !canPublish(a));
  });
  withConfig({quorumSet, history: {url: "https://history.example.org/node1"}}, (file) => {
    const a = archiveFromConfig(loadNodeConfig(file).network!.history!);
    assert.ok(a instanceof HttpArchive && !canPublish(a));
  });
});

test("a bad history setting is refused with a clear error", () => {
  const cases: Array<[unknown, RegExp]> = [
    ["archive", /history must be an object/],
    [{}, /exactly one archive/],
    [{folder: "a", url: "https://x"}, /exactly one archive/],
    [{folder: "a", get: "cp {0} {1}"}, /exactly one archive/],
    [{mkdir: "mkdir -p {0}"}, /get or a put template/],
    [{get: "cp /a/x {1}"}, /history.get must use \{0\} and \{1\}/],
    [{put: "cp {0} /a/{1}", mkdir: "mkdir -p /a"}, /history.mkdir must use \{0\}/],
    [{url: "ftp://host/a"}, /http\(s\) URL/],
    [{folder: ""}, /history.folder must be a non-empty string/],
    [{bucket: "s3://b"}, /unknown key "bucket"/],
  ];
  for (const [history, why] of cases) {
    withConfig({quorumSet, history}, (file) => {
      assert.throws(() => loadNodeConfig(file), (e: unknown) => e instanceof HerderError && e.code === "herder_bad_config" && why.test(e.message), JSON.stringify(history));
    });
  }
});
