// The gate of apply and preview: precheck's checks, started beside the preview (they read the
// cluster while the engine previews), and looked at once the preview is done, before any change.

import { UnhealthyError } from "../errors.js";
import type { InterruptedRelease } from "../istio/types.js";
import type { FindingCode, PrecheckResult } from "./precheck/model.js";
import { repairedByApply } from "./precheck/ownership.js";
import { precheck } from "./precheck/run.js";
import type { DeployRequest } from "./request.js";

export interface GateOptions {
  /** `--skip-check CODE`: findings of these codes are listed as waived and do not stop apply. */
  waived?: FindingCode[];
  /** apply's `--restart-workloads`: pods of namespaces the manifest moves do not keep a revision in use. */
  restartWorkloads?: boolean;
}

/** The checks under way: their report, or why they could not run. Never rejects. */
export type StartedGate = Promise<{ ok: true; result: PrecheckResult } | { ok: false; error: unknown }>;

/** Starts every precheck check on the stack's cluster now. */
export function startGate(req: DeployRequest, options: GateOptions): StartedGate {
  return precheck({
    plan: req.plan,
    cluster: req.cluster,
    stack: req.settings.stack,
    waived: options.waived ?? [],
    restartWorkloads: options.restartWorkloads === true,
  }).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The error findings no `--skip-check` waived. */
export const blocking = (r: PrecheckResult) =>
  r.findings.filter((f) => f.severity === "ERROR" && f.waived !== true);

/**
 * Tells what the checks found (the findings through `io.findings`, one line per waived code) and
 * returns the report; a check that could not run is a warning, never a stop. A pending Helm
 * record of a release the stack's state records as `interrupted` is a warning: apply repairs it.
 */
export async function readGate(
  req: DeployRequest,
  started: StartedGate,
  interrupted: InterruptedRelease[] = [],
): Promise<PrecheckResult> {
  const gate = await started;
  if (!gate.ok) throw gate.error;
  const findings = repairedByApply(gate.result.findings, interrupted);
  const r = {
    ...gate.result,
    findings: [
      ...findings.filter((f) => f.severity === "ERROR"),
      ...findings.filter((f) => f.severity !== "ERROR"),
    ],
  };
  if (r.findings.length > 0 || r.unchecked.length > 0) req.io.findings?.(r);
  for (const code of r.waived) {
    const n = r.findings.filter((f) => f.code === code).length;
    req.io.info(
      `--skip-check ${code}: waived ${n === 0 ? "(nothing found)" : `${n} ${n === 1 ? "finding" : "findings"}`}`,
    );
  }
  for (const u of r.unchecked) req.io.warn(`could not check ${u.code}: ${u.reason}`);
  return r;
}

/**
 * apply's gate: an error finding not waived stops it with exit 4 before the question and before
 * any change.
 */
export async function passGate(
  req: DeployRequest,
  started: StartedGate,
  interrupted: InterruptedRelease[] = [],
): Promise<PrecheckResult> {
  const r = await readGate(req, started, interrupted);
  const errors = blocking(r);
  if (errors.length > 0)
    throw new UnhealthyError(
      `the precheck gate stopped apply before any change: ${[...new Set(errors.map((f) => f.code))].join(", ")} would break the install`,
      "each finding above says how to fix it; `--skip-check CODE` waives a check you accept",
    );
  return r;
}
