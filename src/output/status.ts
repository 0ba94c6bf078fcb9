import { create, type JsonValue, toJson, toJsonString } from "@bufbuild/protobuf";
import {
  type KubernetesIstioStatusReport,
  KubernetesIstioStatusReportSchema,
} from "../../gen/planton/kubernetes/istio/v1/status_pb.js";
import type { CheckState, StatusResult } from "../deploy/status.js";
import type { Style } from "./style.js";

/** The result as the proto message `KubernetesIstioStatusReport` (the `-o json` contract). */
export function statusMessage(r: StatusResult): KubernetesIstioStatusReport {
  return create(KubernetesIstioStatusReportSchema, {
    stack: r.stack,
    context: r.context,
    state: r.state,
    checks: r.checks.map((c) => ({
      name: c.name,
      category: c.category,
      state: c.state,
      message: c.message,
      hint: c.hint,
      details: c.details,
    })),
    namespaces: r.namespaces.map((n) => ({
      name: n.name,
      injection: n.injection,
      targetRevision: n.targetRevision,
      upToDate: n.upToDate,
      outdated: n.outdated,
      missing: n.missing,
    })),
  });
}

/** The proto message's JSON value, every field present: one stack's entry of `status -f a -f b -o json`. */
export function statusJsonValue(r: StatusResult): JsonValue {
  return toJson(KubernetesIstioStatusReportSchema, statusMessage(r), { alwaysEmitImplicit: true });
}

/** `-o json`: the proto message in its JSON form, every field present (zeros and empty lists too). */
export function renderStatusJson(r: StatusResult): string {
  return `${toJsonString(KubernetesIstioStatusReportSchema, statusMessage(r), { alwaysEmitImplicit: true, prettySpaces: 2 })}\n`;
}

const marks: Record<CheckState, string> = { ok: "ok", warning: "warn", error: "FAIL" };

function mark(state: CheckState, style: Style): string {
  const m = marks[state].padEnd(4);
  return state === "ok" ? style.green(m) : state === "warning" ? style.yellow(m) : style.red(style.bold(m));
}

/**
 * The table for people: one line per check (state, category, message); under a warning or an
 * error its hint, and under an error its details. Then the pods per namespace, and a verdict.
 */
export function renderStatusTable(r: StatusResult, style: Style): string {
  const width = Math.max(...r.checks.map((c) => c.category.length), 8);
  const lines: string[] = [];
  for (const c of r.checks) {
    lines.push(`${mark(c.state, style)}  ${c.category.padEnd(width)}  ${c.message}`);
    if (c.state === "ok") continue;
    if (c.hint !== "") lines.push(`      ${" ".repeat(width)}  ${style.cyan("fix:")} ${c.hint}`);
    const details = c.state === "error" || c.category === "namespaces" ? c.details : [];
    for (const d of details) lines.push(`      ${" ".repeat(width)}    ${style.dim(d)}`);
  }
  if (r.namespaces.length > 0) {
    const nsWidth = Math.max(...r.namespaces.map((n) => n.name.length), "NAMESPACE".length);
    const revWidth = Math.max(
      ...r.namespaces.map((n) => (n.targetRevision || "?").length),
      "REVISION".length,
    );
    lines.push("");
    lines.push(
      style.bold(
        `${"NAMESPACE".padEnd(nsWidth)}  ${"REVISION".padEnd(revWidth)}  UP-TO-DATE  OUTDATED  MISSING`,
      ),
    );
    for (const n of r.namespaces)
      lines.push(
        `${n.name.padEnd(nsWidth)}  ${(n.targetRevision || "?").padEnd(revWidth)}  ${String(n.upToDate).padStart(10)}  ${String(n.outdated).padStart(8)}  ${String(n.missing).padStart(7)}`,
      );
  }
  const errors = r.checks.filter((c) => c.state === "error").length;
  const warnings = r.checks.filter((c) => c.state === "warning").length;
  const counts = [
    errors ? `${errors} ${errors === 1 ? "error" : "errors"}` : "",
    warnings ? `${warnings} ${warnings === 1 ? "warning" : "warnings"}` : "",
  ]
    .filter((s) => s !== "")
    .join(", ");
  const verdict =
    r.state === "error"
      ? style.red(style.bold("unhealthy"))
      : r.state === "warning"
        ? style.yellow("healthy, with warnings")
        : style.green("healthy");
  lines.push("");
  lines.push(`Mesh of stack ${r.stack} (context ${r.context}): ${verdict}${counts ? ` (${counts})` : ""}.`);
  return `${lines.join("\n")}\n`;
}
