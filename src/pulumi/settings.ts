import { chmodSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { readFileBounded } from "../manifest/read-file.js";
import { plantonHome } from "./cli-path.js";

/** The Pulumi project every planton stack belongs to. */
export const projectName = "planton-kubernetes-istio";

/**
 * The passphrase that encrypts secrets in the embedded local backend (~/.planton/state, an
 * owner-only folder) when none is set. Any other backend, file:// ones included, needs a
 * passphrase of the user's (PULUMI_CONFIG_PASSPHRASE or _FILE), or a Pulumi Cloud token.
 */
export const defaultLocalPassphrase = "planton-local-state";

/** How the engine reaches its state. */
export interface EngineSettings {
  stack: string;
  backendUrl: string;
  /** The backend is planton's embedded default under ~/.planton/state. */
  embeddedBackend: boolean;
  /** Environment for the Pulumi CLI: passphrase, backend, no update checks. */
  env: Record<string, string>;
  /** How long an operation waits for a lock another live process holds (0: fails at once). */
  lockTimeoutSeconds: number;
}

/** The lock wait when no --lock-timeout is given: a few minutes in CI (pipelines overlap), none at a terminal. */
export function defaultLockTimeout(env: NodeJS.ProcessEnv): number {
  return env.CI !== undefined && env.CI !== "" && env.CI !== "false" ? 300 : 0;
}

/** Pulumi's stack-name rule, plus: a name is not `.` or `..` (the file backend makes paths of it). */
const stackName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Where passphrases come from, for messages. */
const passphraseHint =
  "set PULUMI_CONFIG_PASSPHRASE, or PULUMI_CONFIG_PASSPHRASE_FILE naming a file that holds it; planton's built-in passphrase is used only for its own ~/.planton/state";

function readPassphraseFile(file: string): string {
  const limit = 64 * 1024;
  const r = readFileBounded(file, { limit });
  if (r.kind === "ok") return r.bytes.toString("utf8").replace(/\r?\n$/, "");
  if (r.kind === "missing")
    throw new UsageError(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} does not exist`, passphraseHint);
  if (r.kind === "directory" || r.kind === "not_regular")
    throw new UsageError(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} is not a regular file`, passphraseHint);
  if (r.kind === "too_large")
    throw new UsageError(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} is larger than 64 KiB`, passphraseHint);
  throw new UsageError(
    `PULUMI_CONFIG_PASSPHRASE_FILE ${file} cannot be read (${r.code})`,
    "make the file readable by the current user",
  );
}

/**
 * Resolves stack, backend and passphrase from flags and environment, once per command. Creates
 * the embedded state folder (0700). A backend other than the embedded one with no passphrase
 * and no access token is refused (exit 2): its secrets would otherwise be encrypted with a
 * passphrase everyone knows.
 */
export function resolveEngineSettings(
  options: {
    stack?: string | undefined;
    backend?: string | undefined;
    manifestName: string;
    lockTimeoutSeconds?: number | undefined;
  },
  env: NodeJS.ProcessEnv,
): EngineSettings {
  const stack = options.stack ?? options.manifestName;
  if (!stackName.test(stack)) {
    throw new UsageError(
      `--stack ${JSON.stringify(stack)}: a stack name starts with a letter or digit and has only letters, digits, '-', '_' and '.' (at most 100)`,
      "pass another --stack, or leave it out to use metadata.name",
    );
  }
  const explicit = options.backend ?? env.PULUMI_BACKEND_URL;
  let backendUrl = explicit ?? "";
  const embeddedBackend = explicit === undefined || explicit === "";
  if (embeddedBackend) {
    const dir = join(plantonHome(env), "state");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    backendUrl = `file://${dir}`;
  } else if (backendUrl.startsWith("file://~")) {
    backendUrl = `file://${homedir()}${backendUrl.slice("file://~".length)}`;
  }
  const out: Record<string, string> = { PULUMI_BACKEND_URL: backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" };
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
    out.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
  } else if (env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) {
    out.PULUMI_CONFIG_PASSPHRASE = readPassphraseFile(env.PULUMI_CONFIG_PASSPHRASE_FILE);
  } else if (embeddedBackend) {
    out.PULUMI_CONFIG_PASSPHRASE = defaultLocalPassphrase;
  } else if (!/^https?:\/\//.test(backendUrl)) {
    // file://, s3://, gs://, azblob://: secrets are encrypted with a passphrase
    throw new UsageError(
      `the state backend ${backendUrl.split("?")[0]} needs a passphrase to encrypt the stack's secrets`,
      passphraseHint,
    );
  }
  if (env.PULUMI_ACCESS_TOKEN !== undefined) out.PULUMI_ACCESS_TOKEN = env.PULUMI_ACCESS_TOKEN;
  const lockTimeoutSeconds = options.lockTimeoutSeconds ?? defaultLockTimeout(env);
  return { stack, backendUrl, embeddedBackend, env: out, lockTimeoutSeconds };
}

/** The secrets in the settings with what each is, for redaction (planton's own default is public). */
export function settingsSecrets(settings: EngineSettings): { value: string; what: string }[] {
  const out: { value: string; what: string }[] = [];
  const passphrase = settings.env.PULUMI_CONFIG_PASSPHRASE;
  if (passphrase && passphrase !== defaultLocalPassphrase)
    out.push({ value: passphrase, what: "the state passphrase" });
  const token = settings.env.PULUMI_ACCESS_TOKEN;
  if (token) out.push({ value: token, what: "PULUMI_ACCESS_TOKEN" });
  return out;
}
