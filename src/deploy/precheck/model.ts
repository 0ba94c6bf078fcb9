// `planton precheck`: the finding model, every code with what it breaks and how to fix it, and
// the exit code of a report.

import type { ObjectRef, PrecheckRead, PrecheckSnapshot } from "../../cluster/precheck-reads.js";
import { ExitCode } from "../../errors.js";
import type { InstallPlan } from "../../istio/types.js";

export type Severity = "ERROR" | "WARNING";

/** Every finding code, with its severity and what the README's table says of it. Codes are stable. */
export const findingCodes = {
  K8S_VERSION: {
    severity: "ERROR",
    breaks: "the cluster's Kubernetes is older than the minimum of the Istio version installed",
    fix: "upgrade the cluster, or install an older Istio (spec.version)",
  },
  RBAC_MISSING: {
    severity: "ERROR",
    breaks: "the kubeconfig's user lacks a right the install needs: apply would stop half-way",
    fix: "use a user bound to cluster-admin, or grant the verbs and kinds listed",
  },
  GATEWAY_API_CRD_TOO_OLD: {
    severity: "ERROR",
    breaks:
      "istiod ignores a Gateway API CRD below its minimum bundle version (or without one): those routes vanish",
    fix: "install the Gateway API CRDs of a newer bundle (standard or experimental channel)",
  },
  GATEWAY_API_CRD_TOO_NEW: {
    severity: "ERROR",
    breaks: "istiod ignores a Gateway API CRD above its maximum bundle version: those routes vanish",
    fix: "install the Gateway API bundle the target Istio supports, or a newer Istio",
  },
  GATEWAY_API_CRD_DOWNGRADE: {
    severity: "ERROR",
    breaks:
      "the Gateway API CRDs planton installed are of a newer bundle than the manifest's: a downgrade drops fields and stored versions",
    fix: "name the installed bundle version or a newer one in spec.gatewayApi.version",
  },
  GATEWAY_API_CHANNEL_SWITCH: {
    severity: "ERROR",
    breaks:
      "the cluster's safe-upgrades ValidatingAdmissionPolicy refuses experimental CRDs over standard ones: apply would stop half-way",
    fix: "keep spec.gatewayApi.channel STANDARD, or remove the policy safe-upgrades.gateway.networking.k8s.io knowingly",
  },
  GATEWAY_API_CRD_FOREIGN: {
    severity: "WARNING",
    breaks:
      "nothing: Gateway API CRDs another owner installed are left as they are (their versions are still checked)",
    fix: "none needed; upgrade them with the tool that installed them",
  },
  PROXY_VERSION_SKEW: {
    severity: "ERROR",
    breaks: "a proxy is more than one minor version behind the istiod that will serve it (or newer than it)",
    fix: "restart the workloads onto a nearer revision first (canary upgrade), one minor version at a time",
  },
  PROXY_INPLACE_BREAK: {
    severity: "ERROR",
    breaks: "waypoints older than 1.29.2 reject the listeners of istiod 1.29.2-1.29.4 and 1.30.0-1.30.1",
    fix: "install istiod 1.29.5+ or 1.30.2+, or restart the waypoints onto 1.29.2+ proxies first",
  },
  WEBHOOK_OVERLAP: {
    severity: "ERROR",
    breaks: "another sidecar injector selects the same pods as Istio's: pods get two proxies, or none",
    fix: "remove the other injector, or narrow its namespaceSelector/objectSelector",
  },
  DEFAULT_TAG_OWNER: {
    severity: "ERROR",
    breaks: "the default revision tag belongs to another control plane: the install would take it over",
    fix: 'remove the other control plane\'s default tag, or set spec.defaultRevision to ""',
  },
  HELM_RELEASE_PENDING: {
    severity: "ERROR",
    breaks: "a Helm release is stuck in pending-install/upgrade/rollback: Helm refuses to change it",
    fix: "roll it back (helm rollback) or let planton apply repair its own interrupted release",
  },
  FIELD_MANAGER_CONFLICT: {
    severity: "ERROR",
    breaks: "another field manager owns fields of an object the plan renders: server-side apply conflicts",
    fix: "undo the other tool's change (or move it into the manifest), then remove its managedFields entry",
  },
  ISTIO_CRD_DOWNGRADE: {
    severity: "ERROR",
    breaks: "Istio's CRDs are newer than the version installed: installing would downgrade their schemas",
    fix: "install the CRDs' version or newer (spec.version / spec.revisions)",
  },
  REVISION_IN_USE: {
    severity: "ERROR",
    breaks: "a revision the manifest removes still serves Running pods, gateways, a tag or a namespace",
    fix: "move them first: point the tag or namespace at another revision and apply with --restart-workloads",
  },
} as const satisfies Record<string, { severity: Severity; breaks: string; fix: string }>;

export type FindingCode = keyof typeof findingCodes;

/** True for a known finding code (for `--skip-check`). */
export const isFindingCode = (code: string): code is FindingCode => Object.hasOwn(findingCodes, code);

/** One thing that would break. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The object it is about; absent for the cluster as a whole. */
  object?: ObjectRef;
  message: string;
  hint: string;
  details: string[];
  /** Waived with `--skip-check CODE`: listed, but not counted. */
  waived?: boolean;
}

/** A check that could not be made, and why. */
export interface Unchecked {
  code: FindingCode;
  reason: string;
}

/** What precheck found for one stack. */
export interface PrecheckResult {
  stack: string;
  context: string;
  targetVersion: string;
  kubernetesVersion: string;
  findings: Finding[];
  unchecked: Unchecked[];
  waived: FindingCode[];
}

/** A check: the reads it needs, and a pure function of the plan and the snapshot. */
export interface Check {
  codes: FindingCode[];
  needs: PrecheckRead[];
  run: (plan: InstallPlan, snapshot: PrecheckSnapshot, options: CheckOptions) => Finding[];
}

export interface CheckOptions {
  /** apply's `--restart-workloads`: pods in namespaces the manifest moves are restarted onto their new revision. */
  restartWorkloads?: boolean;
}

/** A finding of `code` with its default severity and hint. */
export function finding(
  code: FindingCode,
  message: string,
  more: { object?: ObjectRef; details?: string[]; severity?: Severity; hint?: string } = {},
): Finding {
  return {
    code,
    severity: more.severity ?? findingCodes[code].severity,
    ...(more.object === undefined ? {} : { object: more.object }),
    message,
    hint: more.hint ?? findingCodes[code].fix,
    details: more.details ?? [],
  };
}

/**
 * The exit code of a report: 4 when an error finding is not waived, else 1 when a check could
 * not be made, else 0 (warnings and waived findings allowed).
 */
export function precheckExitCode(r: Pick<PrecheckResult, "findings" | "unchecked">): number {
  if (r.findings.some((f) => f.severity === "ERROR" && !f.waived)) return ExitCode.unhealthy;
  if (r.unchecked.length > 0) return ExitCode.failed;
  return ExitCode.ok;
}

/** `apps/v1 Deployment ns/name` → `Deployment ns/name`, for messages. */
export const describeRef = (r: ObjectRef) =>
  `${r.kind} ${r.namespace === "" ? "" : `${r.namespace}/`}${r.name}`;
