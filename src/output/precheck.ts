import { create, type JsonValue, toJson, toJsonString } from "@bufbuild/protobuf";
import {
  type KubernetesIstioPrecheckReport,
  KubernetesIstioPrecheckReportSchema,
} from "../../gen/planton/kubernetes/istio/v1/precheck_pb.js";
import type { Finding, PrecheckResult } from "../deploy/precheck.js";
import type { Style } from "./style.js";

/** The result as the proto message `KubernetesIstioPrecheckReport` (the `-o json` contract). */
export function precheckMessage(r: PrecheckResult): KubernetesIstioPrecheckReport {
  return create(KubernetesIstioPrecheckReportSchema, {
    stack: r.stack,
    context: r.context,
    targetVersion: r.targetVersion,
    kubernetesVersion: r.kubernetesVersion,
    findings: r.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      ...(f.object === undefined ? {} : { object: { ...f.object } }),
      message: f.message,
      hint: f.hint,
      details: f.details,
      waived: f.waived === true,
    })),
    unchecked: r.unchecked.map((u) => ({ code: u.code, reason: u.reason })),
    waived: r.waived,
  });
}

/** The proto message's JSON value, every field present: one stack's entry with several -f. */
export function precheckJsonValue(r: PrecheckResult): JsonValue {
  return toJson(KubernetesIstioPrecheckReportSchema, precheckMessage(r), { alwaysEmitImplicit: true });
}

/** `-o json`: the proto message in its JSON form, every field present (zeros and empty lists too). */
export function renderPrecheckJson(r: PrecheckResult): string {
  return `${toJsonString(KubernetesIstioPrecheckReportSchema, precheckMessage(r), { alwaysEmitImplicit: true, prettySpaces: 2 })}\n`;
}

function mark(f: Finding, style: Style): string {
  if (f.waived) return style.dim("waived ");
  return f.severity === "ERROR" ? style.red(style.bold("ERROR  ")) : style.yellow("WARNING");
}

const objectName = (f: Finding) =>
  f.object === undefined
    ? "cluster"
    : `${f.object.kind}/${f.object.namespace === "" ? "" : `${f.object.namespace}/`}${f.object.name}`;

/**
 * The table for people: one line per finding (severity, code, object), what breaks under it, how
 * to fix it and its details; then the checks that could not be made, and a verdict.
 */
export function renderPrecheckTable(r: PrecheckResult, style: Style): string {
  const lines: string[] = [];
  const codeWidth = Math.max(...r.findings.map((f) => f.code.length), "CODE".length);
  if (r.findings.length > 0) lines.push(style.bold(`${"SEVERITY"}  ${"CODE".padEnd(codeWidth)}  OBJECT`));
  for (const f of r.findings) {
    lines.push(`${mark(f, style)}   ${f.code.padEnd(codeWidth)}  ${objectName(f)}`);
    const indent = " ".repeat(10);
    lines.push(`${indent}${f.message}`);
    if (f.hint !== "") lines.push(`${indent}${style.cyan("fix:")} ${f.hint}`);
    for (const d of f.details) lines.push(`${indent}  ${style.dim(d)}`);
  }
  if (r.unchecked.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(style.bold("Not checked:"));
    for (const u of r.unchecked) lines.push(`  ${u.code}: ${u.reason}`);
  }
  const live = r.findings.filter((f) => !f.waived);
  const errors = live.filter((f) => f.severity === "ERROR").length;
  const warnings = live.length - errors;
  const waived = r.findings.length - live.length;
  const counts = [
    errors ? `${errors} ${errors === 1 ? "error" : "errors"}` : "",
    warnings ? `${warnings} ${warnings === 1 ? "warning" : "warnings"}` : "",
    waived ? `${waived} waived (${r.waived.join(", ")})` : "",
    r.unchecked.length ? `${r.unchecked.length} not checked` : "",
  ]
    .filter((s) => s !== "")
    .join(", ");
  const verdict =
    errors > 0
      ? style.red(style.bold("would break"))
      : r.unchecked.length > 0
        ? style.yellow("could not check everything")
        : warnings > 0
          ? style.yellow("nothing would break, with warnings")
          : style.green("nothing would break");
  if (lines.length > 0) lines.push("");
  lines.push(
    `Istio ${r.targetVersion} on Kubernetes ${r.kubernetesVersion} (stack ${r.stack}, context ${r.context}): ${verdict}${counts ? ` (${counts})` : ""}.`,
  );
  return `${lines.join("\n")}\n`;
}
