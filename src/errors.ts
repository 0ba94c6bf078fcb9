/** Exit codes, as `planton --help` and the README document them. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  changesFound: 3,
  unhealthy: 4,
  interrupted: 130,
} as const;

/** Base class of every error planton expects; `main.ts` renders these without a stack trace. */
export class PlantonError extends Error {
  override name = "PlantonError";
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode: number; hint?: string | undefined; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }
}

/** The command line is wrong (unknown flag, bad `--set`, conflicting options). Exit 2. */
export class UsageError extends PlantonError {
  override name = "UsageError";
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.badInput, hint });
  }
}

/** The manifest is wrong; its diagnostics were already printed. Exit 2. */
export class ManifestError extends PlantonError {
  override name = "ManifestError";
  constructor(message: string) {
    super(message, { exitCode: ExitCode.badInput });
  }
}

/** The operation failed: cluster, engine, Helm. Exit 1. */
export class DeployError extends PlantonError {
  override name = "DeployError";
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.failed, hint, cause });
  }
}

/** `preview --expect-no-changes` found changes. Exit 3. */
export class ChangesFoundError extends PlantonError {
  override name = "ChangesFoundError";
  constructor(message: string) {
    super(message, { exitCode: ExitCode.changesFound });
  }
}

/** `status` found the mesh unhealthy (at least one check is an error). Exit 4. */
export class UnhealthyError extends PlantonError {
  override name = "UnhealthyError";
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.unhealthy, hint });
  }
}

/** The user interrupted the operation and it was cancelled cleanly. Exit 130. */
export class InterruptedError extends PlantonError {
  override name = "InterruptedError";
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.interrupted, hint });
  }
}

/** True for errors planton raised on purpose (as opposed to bugs). */
export function isPlantonError(err: unknown): err is PlantonError {
  return err instanceof PlantonError;
}
