import type { InstallPlan } from "./types.js";
import { compareVersions, minorDistance } from "./versions.js";

/** What the stack recorded at its last apply: release name → chart version. */
export type RecordedVersions = Record<string, { chart: string; version: string }>;

/** A release whose version would move further than Istio supports in one step. */
export interface SkewProblem {
  release: string;
  from: string;
  to: string;
  message: string;
  hint: string;
}

/**
 * Istio supports in-place upgrades (and downgrades) of one minor version at a time. Finds every
 * release of the plan whose chart version moves more than one minor version from the version
 * recorded in the stack. A revision installed fresh (no recorded release) is a canary and is
 * not an in-place change. Pure.
 */
export function checkVersionSkew(plan: InstallPlan, recorded: RecordedVersions): SkewProblem[] {
  const problems: SkewProblem[] = [];
  for (const r of plan.releases) {
    const before = recorded[r.name];
    if (before === undefined || before.version === r.version) continue;
    const distance = minorDistance(before.version, r.version);
    if (distance <= 1) continue;
    const up = compareVersions(r.version, before.version) > 0;
    problems.push({
      release: r.name,
      from: before.version,
      to: r.version,
      message: `${r.name} would move from ${before.version} to ${r.version}, ${Number.isFinite(distance) ? `${distance} minor versions` : "across major versions"} in one step`,
      hint: up
        ? `Istio upgrades in place one minor version at a time: apply an intermediate version first (e.g. ${intermediate(before.version)}), or install the new version as a canary with spec.revisions`
        : "Istio downgrades in place one minor version at a time; go back through the intermediate version",
    });
  }
  return problems;
}

function intermediate(from: string): string {
  const [major, minor] = from.split(".");
  return `${major}.${Number(minor) + 1}.x`;
}

/** One changed Helm value, by dotted path. */
export interface ValueChange {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** What would change in one release, between the recorded stack and the plan. */
export interface ReleaseChange {
  release: string;
  kind: "create" | "update" | "delete" | "same";
  versionBefore?: string;
  versionAfter?: string;
  values: ValueChange[];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A key that is not there, or `null`: the stack's state does not keep nulls, so both read alike. */
const absent = (m: Record<string, unknown>, k: string) => !(k in m) || m[k] === null;

/**
 * Leaf-level differences between two value trees (lists compare whole). A `null` value (Helm:
 * drop the chart's default) and an absent key are the same here: the recorded state has no nulls.
 */
export function diffValues(before: unknown, after: unknown, path = ""): ValueChange[] {
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = path === "" ? k : `${path}.${k}`;
      if (absent(before, k) && absent(after, k)) return [];
      if (absent(before, k)) return [{ path: p, kind: "added" as const, after: after[k] }];
      if (absent(after, k)) return [{ path: p, kind: "removed" as const, before: before[k] }];
      return diffValues(before[k], after[k], p);
    });
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, kind: "changed", before, after }];
}

/** Per-release changes between the recorded stack outputs and a plan. Pure. */
export function diffReleases(
  plan: InstallPlan,
  recorded: Record<string, { version: string; values: Record<string, unknown> }>,
): ReleaseChange[] {
  const changes: ReleaseChange[] = plan.releases.map((r) => {
    const before = recorded[r.name];
    if (before === undefined)
      return { release: r.name, kind: "create", versionAfter: r.version, values: diffValues({}, r.values) };
    const values = diffValues(before.values, r.values);
    const same = values.length === 0 && before.version === r.version;
    return {
      release: r.name,
      kind: same ? "same" : "update",
      versionBefore: before.version,
      versionAfter: r.version,
      values,
    };
  });
  for (const name of Object.keys(recorded).sort()) {
    if (!plan.releases.some((r) => r.name === name)) {
      changes.push({
        release: name,
        kind: "delete",
        versionBefore: recorded[name]?.version,
        values: [],
      } as ReleaseChange);
    }
  }
  return changes;
}

/**
 * Warnings for an in-place minor upgrade of a revision-less istiod: it works, but every proxy
 * talks to the new istiod at once and there is no way back without another upgrade; a canary
 * revision lets workloads move namespace by namespace. Pure.
 */
export function inPlaceMinorUpgrades(plan: InstallPlan, recorded: RecordedVersions): string[] {
  const out: string[] = [];
  for (const r of plan.releases) {
    const before = recorded[r.name];
    if (r.component !== "istiod" || r.name !== "istiod" || before === undefined) continue;
    if (minorDistance(before.version, r.version) !== 1) continue;
    out.push(
      `istiod moves in place from ${before.version} to ${r.version}: every proxy switches to the new control plane at once. The canary way: add spec.revisions with both versions, move namespaces (or a revision tag) to the new one, then remove the old`,
    );
  }
  return out;
}

/**
 * The first step of removing revisions in the safe order: the plan with every istiod release it
 * removes kept as last applied (same name, version, namespace and values), so one update moves
 * tags and namespace labels while the old istiod still serves; its workloads are restarted onto
 * their new revision, and only then does the plan itself remove it. Undefined when the plan
 * removes no istiod, or one cannot be rebuilt (the charts come from an archive of one version).
 * Pure.
 */
export function keepRemovedIstiods(
  plan: InstallPlan,
  recorded: Record<
    string,
    { chart: string; version: string; namespace: string; values: Record<string, unknown> }
  >,
): InstallPlan | undefined {
  const template = plan.releases.find((r) => r.component === "istiod");
  if (template === undefined || template.source.type === "archive") return undefined;
  const removed = Object.entries(recorded)
    .filter(([name, r]) => r.chart === "istiod" && !plan.releases.some((p) => p.name === name))
    .sort(([a], [b]) => a.localeCompare(b));
  if (removed.length === 0) return undefined;
  // a tag the plan gives another istiod (the `default` one moving with defaultRevision) leaves
  // the kept release, and the release taking it waits for that: both render the tag's Service
  const taken = new Set(plan.releases.flatMap((p) => revisionTagsOf(p.values)));
  const istiods = new Set(plan.releases.filter((p) => p.component === "istiod").map((p) => p.name));
  const kept = removed.map(([name, r]) => ({
    ...template,
    name,
    version: r.version,
    namespace: r.namespace,
    dependsOn: template.dependsOn.filter((d) => !istiods.has(d)),
    values: withoutTags(r.values, taken),
  }));
  const keptNames = kept.map((k) => k.name);
  const releases = plan.releases.map((p) =>
    p.component === "istiod" && revisionTagsOf(p.values).length > 0
      ? { ...p, dependsOn: [...p.dependsOn, ...keptNames] }
      : p,
  );
  // the plan lists a release after those it depends on: the kept ones go before the first that waits for them
  const at = releases.findIndex((p) => p.dependsOn.some((d) => keptNames.includes(d)));
  const i = at === -1 ? releases.length : at;
  return { ...plan, releases: [...releases.slice(0, i), ...kept, ...releases.slice(i)] };
}

/** The `revisionTags` an istiod release's values render. */
function revisionTagsOf(values: Record<string, unknown>): string[] {
  const tags = values.revisionTags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** The values without the tags in `taken` (no `revisionTags` key when none is left). */
function withoutTags(values: Record<string, unknown>, taken: Set<string>): Record<string, unknown> {
  const left = revisionTagsOf(values).filter((t) => !taken.has(t));
  const { revisionTags: _, ...rest } = values;
  return left.length > 0 ? { ...rest, revisionTags: left } : rest;
}
