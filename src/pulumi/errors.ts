import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation/index.js";
import { DeployError, InterruptedError, type PlantonError, UsageError } from "../errors.js";
import { describeHolders, lockHolders, readLocks } from "./locks.js";
import type { EngineSettings } from "./settings.js";

/** True when the engine says the state's secrets do not decrypt (wrong passphrase, damaged salt). */
export function isDecryptFailure(message: string): boolean {
  return /incorrect passphrase|failed to decrypt|could not decrypt|decrypting|passphrase must be set|invalid passphrase|constructing secrets manager/i.test(
    message,
  );
}

/** True when the engine says the stack does not exist. */
export function isStackMissing(err: unknown): boolean {
  const name = (err as { name?: unknown }).name;
  return (
    name === "StackNotFoundError" || /no stack named|stack .* not found/i.test(String((err as Error).message))
  );
}

/**
 * Maps Automation API failures to errors that say what happened and what to do. The message
 * keeps the engine's own `error:` lines (at most six); main.ts redacts whatever is printed.
 */
export function mapEngineError(err: unknown, settings: EngineSettings): PlantonError {
  if (err instanceof DeployError || err instanceof InterruptedError || err instanceof UsageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (
    err instanceof ConcurrentUpdateError ||
    /currently locked|another update is currently in progress/i.test(message)
  ) {
    return lockedError(message, settings);
  }
  const access = backendAccessError(message, settings);
  if (access !== undefined) return access;
  if (isDecryptFailure(message)) {
    // the passphrase is one of the state settings the user gives: wrong input, exit 2
    return new UsageError(
      `the state of stack ${settings.stack} cannot be decrypted with this passphrase; nothing was changed`,
      "set PULUMI_CONFIG_PASSPHRASE (or _FILE) to the passphrase this stack was created with",
    );
  }
  if (
    /could not (read|unmarshal|deserialize)|invalid character|unexpected end of JSON|checkpoint/i.test(
      message,
    )
  ) {
    return new DeployError(
      `the state of stack ${settings.stack} cannot be read (${firstErrorLine(message)}); nothing was changed`,
      "restore the state file from a backup, or inspect it with `pulumi stack export`",
    );
  }
  // the Automation API's message repeats the command line and its streams: keep the engine's words
  const lines = [
    ...new Set(
      message
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !/^(stderr|stdout|code|err\?):/.test(l)),
    ),
  ];
  const errorLines = lines.filter((l) => /error:/i.test(l));
  const other = lines;
  const summary = (errorLines.length > 0 ? errorLines : other).slice(0, 6).join("\n  ");
  const kind = err instanceof CommandError ? "the engine failed" : "the operation failed";
  return new DeployError(`${kind}: ${summary || "no details"}`, "rerun with -v for the engine's full output");
}

function firstErrorLine(message: string): string {
  return (
    message
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /error/i.test(l)) ?? "unreadable"
  ).slice(0, 200);
}

/** A locked stack: who holds it (as the engine names it) and the way out. */
function lockedError(message: string, settings: EngineSettings): DeployError {
  const holders = lockHolders(message);
  const stale = [
    ...readLocks(settings)
      .filter((l) => l.stale)
      .map((l) => l.pid),
    ...holders.filter((h) => h.stale).map((h) => h.pid),
  ];
  const who = holders.length > 0 ? ` (${describeHolders(holders)})` : "";
  return new DeployError(
    `stack ${settings.stack} is locked: another planton or pulumi operation is running on it${who}`,
    stale.length > 0
      ? `the lock was left by pid ${[...new Set(stale)].join(", ")}, which no longer runs: remove it with \`planton unlock -f <manifest>\``
      : "wait for the other operation to finish (--lock-timeout 5m waits for it); if it was killed, remove its lock with `planton unlock -f <manifest>` (--force for a lock from another machine)",
  );
}

/**
 * A bucket backend that refused or did not answer: a missing bucket or refused credentials are
 * the user's settings (exit 2), an endpoint that does not answer could not be reached (exit 1).
 * Named by the store's error code, never by echoing the request (no credential is in either).
 */
function backendAccessError(message: string, settings: EngineSettings): PlantonError | undefined {
  // only the store's own failures (the Kubernetes provider's network errors look alike)
  if (/^(file|https?):\/\//.test(settings.backendUrl)) return undefined;
  if (!/operation error S3|blob \(|googleapi|storage\.googleapis|blob\.core\.windows/i.test(message))
    return undefined;
  const where = settings.backendUrl.split("?")[0];
  if (/NoSuchBucket|bucket does not exist|specified bucket does not exist/i.test(message))
    return new UsageError(
      `the state bucket ${where} does not exist; nothing was changed`,
      "create the bucket (planton does not), or fix --backend / PULUMI_BACKEND_URL",
    );
  if (
    /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|InvalidToken|ExpiredToken|NoCredentialProviders|failed to retrieve credentials|StatusCode: 403/i.test(
      message,
    )
  )
    return new UsageError(
      `the state bucket ${where} refused these credentials; nothing was changed`,
      "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket's access policy",
    );
  if (
    /connection refused|no such host|i\/o timeout|dial tcp|request send failed|exceeded maximum number of attempts/i.test(
      message,
    )
  )
    return new DeployError(
      `the state backend ${where} could not be reached (${endpointOf(settings.backendUrl)}); nothing was changed`,
      "check the endpoint in the backend URL and that the store runs and answers",
    );
  return undefined;
}

function endpointOf(url: string): string {
  try {
    return new URL(url).searchParams.get("endpoint") ?? "the cloud provider's endpoint";
  } catch {
    return "endpoint unknown";
  }
}
