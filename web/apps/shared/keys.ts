/**
 * Create or unlock a keystore in the page (format v1 of src/wallet/keystore.ts, the same files
 * `diamante wallet` writes). The secret is decrypted here and never leaves the page; the encrypted
 * file is kept in this browser's localStorage (that is what the encryption is for) and offered
 * for download so the CLI can open it.
 */
import {Keypair} from "@stellar/stellar-sdk";
import {createKeystore, openKeystore, parseKeystore, serializeKeystore} from "../../../src/wallet/keystore.js";
import {browserSodium} from "../../../src/wallet/sodium-browser.js";
import {generateMnemonic, isValidMnemonic} from "../../../src/wallet/sep5.js";
import {encodeSecretSeed} from "../../../src/wallet/encoding.js";
import type {KeystoreFile} from "../../../src/wallet/interface.js";
import {byId, h, messageOf, nextPaint, say} from "./dom.js";

/** One list for every app of this origin: a keystore made in PayCircle opens in CreditCircle. */
const STORAGE_KEY = "diamante.keystores.v1";
/** Creating asks for at least this many characters; Argon2id slows guessing, it cannot fix "1234". */
const MIN_PASSWORD = 8;

export interface Unlocked {
  name: string;
  keypair: Keypair;
  publicKey: string;
}

/** Keystores saved in this browser, by name. */
export function savedKeystores(): Map<string, KeystoreFile> {
  const out = new Map<string, KeystoreFile>();
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
  } catch {
    return out;
  }
  if (typeof raw !== "object" || raw === null) return out;
  for (const [name, text] of Object.entries(raw as Record<string, unknown>)) {
    try {
      out.set(name, parseKeystore(JSON.stringify(text)));
    } catch {
      // A damaged entry is skipped, not fatal: the others still open.
    }
  }
  return out;
}

export function saveKeystore(file: KeystoreFile): void {
  const all: Record<string, KeystoreFile> = Object.fromEntries(savedKeystores());
  all[file.name] = file;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
}

function keypairOfSeed(seed: Uint8Array): Keypair {
  return Keypair.fromSecret(encodeSecretSeed(seed));
}

/**
 * Renders the unlock and create forms into `root` and calls `onUnlock` with the account's keys.
 * Element ids start with `k-` (the tests drive them).
 */
export function mountKeyPanel(root: HTMLElement, onUnlock: (u: Unlocked) => void): void {
  root.replaceChildren(
    h("div", {class: "card"},
      h("h2", {}, "Unlock a keystore"),
      h("label", {}, "Saved in this browser", h("select", {id: "k-saved"})),
      h("label", {}, "or a keystore file", h("input", {id: "k-file", type: "file", accept: ".json,application/json"})),
      h("label", {}, "Password", h("input", {id: "k-password", type: "password", autocomplete: "current-password"})),
      h("button", {id: "k-unlock", type: "button"}, "Unlock"),
      h("p", {id: "k-status", class: "status"}),
    ),
    h("div", {class: "card"},
      h("h2", {}, "New keystore"),
      h("label", {}, "Name", h("input", {id: "k-new-name", placeholder: "alice", autocomplete: "off"})),
      h("label", {}, "Key",
        h("select", {id: "k-new-kind"},
          h("option", {value: "mnemonic"}, "new 24-word recovery phrase (SEP-0005)"),
          h("option", {value: "key"}, "random key"),
          h("option", {value: "restore"}, "restore from a recovery phrase"),
        ),
      ),
      h("label", {id: "k-restore-row", hidden: ""}, "Recovery phrase", h("textarea", {id: "k-restore", rows: "3", autocomplete: "off", spellcheck: "false"})),
      h("label", {}, `Password (at least ${MIN_PASSWORD} characters)`, h("input", {id: "k-new-password", type: "password", autocomplete: "new-password"})),
      h("label", {}, "Repeat password", h("input", {id: "k-new-password2", type: "password", autocomplete: "new-password"})),
      h("button", {id: "k-create", type: "button"}, "Create"),
      h("p", {id: "k-new-status", class: "status"}),
      h("div", {id: "k-created", hidden: ""}),
    ),
  );
  const saved = byId<HTMLSelectElement>("k-saved");
  const fillSaved = (select?: string) => {
    const names = [...savedKeystores().keys()].sort();
    saved.replaceChildren(h("option", {value: ""}, names.length === 0 ? "(none yet)" : "(pick one)"), ...names.map((n) => h("option", {value: n}, n)));
    if (select !== undefined) saved.value = select;
  };
  fillSaved();
  const kind = byId<HTMLSelectElement>("k-new-kind");
  kind.addEventListener("change", () => {
    byId("k-restore-row").hidden = kind.value !== "restore";
  });

  const status = byId("k-status");
  byId("k-unlock").addEventListener("click", () => {
    void (async () => {
      const password = byId<HTMLInputElement>("k-password").value;
      const fileInput = byId<HTMLInputElement>("k-file");
      let file: unknown;
      let fromFile = false;
      try {
        const picked = fileInput.files?.[0];
        if (picked !== undefined) {
          file = parseKeystore(await picked.text());
          fromFile = true;
        } else {
          file = savedKeystores().get(saved.value);
          if (file === undefined) throw new Error("pick a saved keystore or a keystore file");
        }
        if (password === "") throw new Error("type the keystore's password");
        say(status, "Unlocking (Argon2id)…", "busy");
        await nextPaint();
        const crypto = await browserSodium();
        const opened = openKeystore(crypto, file, password);
        const keypair = keypairOfSeed(opened.secretSeed);
        crypto.memzero(opened.secretSeed);
        const ks = file as KeystoreFile;
        // A file that opened is kept in this browser (encrypted, as it came) for next time.
        if (fromFile) saveKeystore(ks);
        byId<HTMLInputElement>("k-password").value = "";
        fileInput.value = "";
        fillSaved(ks.name);
        say(status, `Unlocked ${ks.name}`, "ok");
        onUnlock({name: ks.name, keypair, publicKey: opened.publicKey});
      } catch (err) {
        const code = (err as {code?: unknown}).code;
        say(status, typeof code === "string" ? `${messageOf(err)} (${code})` : messageOf(err), "error");
      }
    })();
  });

  const newStatus = byId("k-new-status");
  byId("k-create").addEventListener("click", () => {
    void (async () => {
      const name = byId<HTMLInputElement>("k-new-name").value.trim();
      const password = byId<HTMLInputElement>("k-new-password").value;
      try {
        if (password.length < MIN_PASSWORD) throw new Error(`the password needs at least ${MIN_PASSWORD} characters`);
        if (password !== byId<HTMLInputElement>("k-new-password2").value) throw new Error("the two passwords differ");
        if (savedKeystores().has(name)) throw new Error(`a keystore named "${name}" is already saved in this browser`);
        let mnemonic: string | undefined;
        if (kind.value === "restore") {
          mnemonic = byId<HTMLTextAreaElement>("k-restore").value.trim().toLowerCase().split(/\s+/).join(" ");
          if (!isValidMnemonic(mnemonic)) throw new Error("not a BIP-39 English recovery phrase (unknown word or bad checksum)");
        } else if (kind.value === "mnemonic") {
          mnemonic = generateMnemonic(24);
        }
        say(newStatus, "Encrypting (Argon2id)…", "busy");
        await nextPaint();
        const crypto = await browserSodium();
        let file: KeystoreFile;
        if (mnemonic !== undefined) {
          file = createKeystore(crypto, {name, secret: {kind: "mnemonic", mnemonic, accountIndex: 0}, password});
        } else {
          const seed = crypto.randomBytes(32);
          try {
            file = createKeystore(crypto, {name, secret: {kind: "key", seed}, password});
          } finally {
            crypto.memzero(seed);
          }
        }
        saveKeystore(file);
        fillSaved(file.name);
        const blob = new Blob([serializeKeystore(file)], {type: "application/json"});
        const created = byId("k-created");
        created.hidden = false;
        created.replaceChildren(
          h("p", {}, "Account ", h("code", {id: "k-new-account"}, file.public_key)),
          h("p", {}, h("a", {id: "k-download", href: URL.createObjectURL(blob), download: `${file.name}.json`}, `Download ${file.name}.json`), " (works with `diamante wallet`)"),
          ...(mnemonic !== undefined && kind.value === "mnemonic"
            ? [h("p", {class: "warn"}, "Write down this recovery phrase; it is shown once and restores the account anywhere:"), h("pre", {id: "k-mnemonic"}, mnemonic)]
            : []),
        );
        byId<HTMLInputElement>("k-new-password").value = "";
        byId<HTMLInputElement>("k-new-password2").value = "";
        byId<HTMLTextAreaElement>("k-restore").value = "";
        say(newStatus, `Created ${file.name}; unlock it above.`, "ok");
      } catch (err) {
        const code = (err as {code?: unknown}).code;
        say(newStatus, typeof code === "string" ? `${messageOf(err)} (${code})` : messageOf(err), "error");
      }
    })();
  });
}
