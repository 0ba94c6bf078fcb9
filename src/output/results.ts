import type { KubernetesIstioStackOutputsJson } from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import type { DestroyResult } from "../deploy/destroy.js";
import type { NamespaceChange, TagChange } from "../istio/membership.js";
import type { ReleaseChange } from "../istio/upgrade.js";
import type { WaypointChange } from "../istio/waypoints.js";
import type { Style } from "./style.js";

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

/** Per-release changes, the way `preview` shows them before Pulumi's summary. */
export function renderReleaseChanges(changes: ReleaseChange[], style: Style): string {
  const out: string[] = [];
  for (const c of changes) {
    if (c.kind === "same") {
      out.push(`  ${style.dim("=")} ${c.release} ${style.dim(`${c.versionAfter} (no change)`)}`);
      continue;
    }
    const sign =
      c.kind === "create" ? style.green("+") : c.kind === "delete" ? style.red("-") : style.yellow("~");
    const version =
      c.kind === "update" && c.versionBefore !== c.versionAfter
        ? `${c.versionBefore} → ${c.versionAfter}`
        : (c.versionAfter ?? c.versionBefore ?? "");
    out.push(`  ${sign} ${style.bold(c.release)} ${version}`);
    if (c.kind === "update") {
      for (const v of c.values) {
        const body =
          v.kind === "added"
            ? `${style.green("+")} ${v.path}: ${short(v.after)}`
            : v.kind === "removed"
              ? `${style.red("-")} ${v.path}: ${short(v.before)}`
              : `${style.yellow("~")} ${v.path}: ${short(v.before)} → ${short(v.after)}`;
        out.push(`      ${body}`);
      }
    }
  }
  return out.length > 0 ? `Helm releases:\n${out.join("\n")}\n` : "";
}

/** Pulumi's change summary as one line: `2 to create, 1 to update, 5 unchanged`. */
export function renderChangeSummary(
  summary: Record<string, number> | undefined,
  tense: "plan" | "done",
): string {
  const words: Record<string, [string, string]> = {
    create: ["to create", "created"],
    update: ["to update", "updated"],
    replace: ["to replace", "replaced"],
    delete: ["to delete", "deleted"],
    same: ["unchanged", "unchanged"],
  };
  const parts = Object.entries(summary ?? {})
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${n} ${words[op]?.[tense === "plan" ? 0 : 1] ?? op}`);
  return parts.length > 0 ? parts.join(", ") : "nothing";
}

/** Stack outputs for people. */
export function renderOutputs(o: KubernetesIstioStackOutputsJson, style: Style): string {
  const lines = [
    `${style.bold("namespace")}        ${o.namespace ?? ""}`,
    `${style.bold("version")}          ${o.version ?? ""}`,
    `${style.bold("istiod")}           ${o.istiodService ?? ""}`,
  ];
  const revisions = o.revisions ?? [];
  if (revisions.length > 0) {
    lines.push(
      `${style.bold("revisions")}        ${revisions.map((r) => `${r.name} (${r.version}${r.name === o.defaultRevision ? ", default" : ""})`).join(", ")}`,
    );
  }
  for (const g of o.gateways ?? []) {
    const addresses = g.addresses ?? [];
    const addr =
      g.serviceType === "LoadBalancer"
        ? addresses.length > 0
          ? addresses.join(", ")
          : "address pending"
        : "";
    lines.push(
      `${style.bold(`${g.direction} gateway`.padEnd(16))} ${g.name} → ${g.service} (${g.serviceType}${addr ? `, ${addr}` : ""})`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What destroy did, for people. */
export function renderDestroyed(r: DestroyResult, style: Style): string {
  const lines = [
    `${style.green("Destroyed")} in ${r.durationSeconds.toFixed(1)}s: ${renderChangeSummary(r.summary, "done")}; removed ${r.cleanup.removed.length} leftover ${r.cleanup.removed.length === 1 ? "object" : "objects"}.${r.crdsKept ? " Istio's CRDs were kept (--purge-crds removes them)." : ""}`,
  ];
  for (const k of r.cleanup.kept) lines.push(`  ${style.yellow("kept")} ${k.object}: ${k.reason}`);
  return `${lines.join("\n")}\n`;
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ") || "(none)";

/** Tag moves and namespace label changes, the way preview and apply show them. */
export function renderMembershipChanges(
  tags: TagChange[],
  namespaces: NamespaceChange[],
  style: Style,
): string {
  const out: string[] = [];
  if (tags.length > 0) {
    out.push("Revision tags:");
    for (const t of tags)
      out.push(
        t.kind === "move"
          ? `  ${style.yellow("~")} tag ${style.bold(t.tag)}: ${t.from} → ${t.to}`
          : t.kind === "create"
            ? `  ${style.green("+")} tag ${style.bold(t.tag)} → ${t.to}`
            : `  ${style.red("-")} tag ${style.bold(t.tag)} (was → ${t.from})`,
      );
  }
  if (namespaces.length > 0) {
    out.push("Namespaces:");
    for (const n of namespaces) {
      const served = (r: string) => (r === "" ? "no sidecar" : `revision ${r}`);
      if (n.kind === "create")
        out.push(
          `  ${style.green("+")} ${style.bold(n.name)}: ${labelText(n.labelsAfter)} (${served(n.revisionAfter)})`,
        );
      else if (n.kind === "delete")
        out.push(`  ${style.red("-")} ${style.bold(n.name)}: remove ${labelText(n.labelsBefore)}`);
      else
        out.push(
          `  ${style.yellow("~")} ${style.bold(n.name)}: ${labelText(n.labelsBefore)} → ${labelText(n.labelsAfter)}${n.revisionBefore !== n.revisionAfter ? ` (${served(n.revisionBefore)} → ${served(n.revisionAfter)})` : ""}`,
        );
    }
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** Waypoints that appear, change or go, the way preview and apply show them. */
export function renderWaypointChanges(waypoints: WaypointChange[], style: Style): string {
  if (waypoints.length === 0) return "";
  const facts = (w: WaypointChange["after"]) =>
    w === undefined ? "" : `for ${w.for || "service"}${w.revision === "" ? "" : `, revision ${w.revision}`}`;
  const out = ["Waypoints:"];
  for (const w of waypoints) {
    const name = style.bold(`${w.namespace}/${w.name}`);
    if (w.kind === "create") out.push(`  ${style.green("+")} ${name} (${facts(w.after)})`);
    else if (w.kind === "delete") out.push(`  ${style.red("-")} ${name} (was ${facts(w.before)})`);
    else out.push(`  ${style.yellow("~")} ${name}: ${facts(w.before)} → ${facts(w.after)}`);
  }
  return `${out.join("\n")}\n`;
}

/** After apply without --restart-workloads: where pods still run the old proxy, and how to move them. */
export function renderRestartAdvice(namespaces: string[], restartCommand: string, style: Style): string {
  if (namespaces.length === 0) return "";
  return `${style.yellow("note:")} pods in ${namespaces.join(", ")} still run the proxy of the revision that injected them; move them with\n  ${restartCommand}\n  or per namespace: ${namespaces.map((n) => `kubectl rollout restart deployment,statefulset,daemonset -n ${n}`).join("; ")}\n`;
}
