import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { plantonHome } from "./cli-path.js";

/** The Pulumi project every planton stack belongs to. */
export const projectName = "planton-kubernetes-istio";

/**
 * The passphrase that encrypts secrets in the embedded local backend when none is set. Local
 * state lives in an owner-only folder in the user's home; set PULUMI_CONFIG_PASSPHRASE (or
 * _FILE) to protect it with a real passphrase, and always for shared backends.
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
}

/** Resolves stack, backend and passphrase from flags and environment. Creates the local state folder (0700). */
export function resolveEngineSettings(
  options: { stack?: string | undefined; backend?: string | undefined; manifestName: string },
  env: NodeJS.ProcessEnv,
): EngineSettings {
  const stack = options.stack ?? options.manifestName;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) {
    throw new UsageError(`--stack ${stack}: a stack name is letters, digits, '-', '_' and '.'`);
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
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (!existsSync(file)) throw new UsageError(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} does not exist`);
    out.PULUMI_CONFIG_PASSPHRASE = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } else if (embeddedBackend || backendUrl.startsWith("file://")) {
    out.PULUMI_CONFIG_PASSPHRASE = defaultLocalPassphrase;
  }
  if (env.PULUMI_ACCESS_TOKEN !== undefined) out.PULUMI_ACCESS_TOKEN = env.PULUMI_ACCESS_TOKEN;
  return { stack, backendUrl, embeddedBackend, env: out };
}
