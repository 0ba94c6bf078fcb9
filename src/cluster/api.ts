import { DeployError } from "../errors.js";
import { TimeoutError, withDeadline } from "../poll.js";

/** Default time one Kubernetes API call may take. */
export const apiTimeoutMs = 15_000;

/**
 * Runs one Kubernetes API call with a deadline, turning every failure into a `DeployError` that
 * says what was being done, why it failed (the API's own status message, an HTTP status or a
 * network error code) and what to check. Response headers and bodies are never copied into
 * the message: they can hold tokens and certificates.
 */
export async function kubeCall<T>(
  what: string,
  call: () => Promise<T>,
  options: { timeoutMs?: number; context?: string } = {},
): Promise<T> {
  try {
    return await withDeadline(call, options.timeoutMs ?? apiTimeoutMs);
  } catch (err) {
    throw clusterError(what, err, options.context);
  }
}

/** The HTTP status of a failed API call, when the server answered. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** True when the API answered 404 Not Found (also through a `kubeCall` error's cause). */
export const isNotFound = (err: unknown): boolean =>
  httpStatus(err) === 404 || httpStatus((err as { cause?: unknown } | undefined)?.cause) === 404;

/** The Kubernetes Status message of an API error body, when it has one (never the raw body). */
function statusMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown }).body;
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message.split("\n")[0]?.slice(0, 300) : undefined;
}

/** A short, secret-free description of why a call failed. */
export function describeFailure(err: unknown): string {
  if (err instanceof TimeoutError) return err.message;
  const status = httpStatus(err);
  if (status !== undefined) {
    const message = statusMessage(err);
    return `HTTP ${status}${message ? `: ${message}` : ""}`;
  }
  const e = err as { cause?: { code?: unknown }; code?: unknown; message?: unknown };
  const code = e.cause?.code ?? e.code;
  if (typeof code === "string") return code;
  const message = typeof e.message === "string" ? e.message.split("\n")[0] : String(err);
  // network errors can repeat the request URL; keep only the reason
  return (message ?? "").replace(/https?:\/\/\S+/g, "<server>").slice(0, 200);
}

function clusterError(what: string, err: unknown, context: string | undefined): DeployError {
  if (err instanceof DeployError) return err;
  const status = httpStatus(err);
  const where = context ? ` (context "${context}")` : "";
  const reason = describeFailure(err);
  // the client's own error carries the response headers and body: keep only status and reason
  const cause = Object.assign(new Error(reason), status === undefined ? {} : { code: status });
  if (status === 401)
    return new DeployError(
      `the cluster${where} rejected the credentials while ${what}: ${reason}`,
      "refresh the kubeconfig's credentials (log in again) and rerun",
      cause,
    );
  if (status === 403)
    return new DeployError(
      `the cluster${where} forbids ${what}: ${reason}`,
      "use a kubeconfig user that may manage Istio cluster-wide (check with `kubectl auth can-i '*' '*' -A`)",
      cause,
    );
  return new DeployError(
    `${what} failed${where}: ${reason}`,
    "check that the cluster is running and reachable, then rerun",
    cause,
  );
}
