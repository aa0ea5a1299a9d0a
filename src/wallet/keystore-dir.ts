/** The CLI's keystore folder: one `<name>.json` per account, the folder 0700 and files 0600. */
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {WalletError} from "./errors.js";
import {parseKeystore, serializeKeystore} from "./keystore.js";
import type {KeystoreFile} from "./interface.js";
import {KeystoreError} from "./errors.js";

export function keystorePath(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

/** Writes a new keystore; never overwrites one (an overwritten keystore is a lost key). */
export function writeKeystore(dir: string, file: KeystoreFile): string {
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const path = keystorePath(dir, file.name);
  try {
    writeFileSync(path, serializeKeystore(file), {flag: "wx", mode: 0o600});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new WalletError("keystore_exists", `a keystore named "${file.name}" already exists in ${dir}; choose another --name`);
    throw e;
  }
  chmodSync(path, 0o600);
  return path;
}

export function readKeystoreText(dir: string, name: string): string {
  try {
    return readFileSync(keystorePath(dir, name), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new WalletError("keystore_not_found", `no keystore named "${name}" in ${dir} (\`diamante wallet list\` shows them)`);
    throw e;
  }
}

export interface ListedKeystore {
  file: string;
  name?: string;
  kind?: string;
  public_key?: string;
  created_at?: string;
  error?: {code: string; message: string};
}

/** Every `*.json` in the folder, parsed (no password needed); broken files are listed with their error. */
export function listKeystores(dir: string): ListedKeystore[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return names.map((n) => {
    try {
      const ks = parseKeystore(readFileSync(join(dir, n), "utf8"));
      return {file: n, name: ks.name, kind: ks.kind, public_key: ks.public_key, created_at: ks.created_at};
    } catch (e) {
      if (e instanceof KeystoreError) return {file: n, error: {code: e.code, message: e.message}};
      throw e;
    }
  });
}
