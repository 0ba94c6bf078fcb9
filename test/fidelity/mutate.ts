import type { K8sObject } from "./helm.js";

/**
 * Changing one Helm value at a time, to prove a chart reads it: the tree's leaves, a different
 * value of the same kind, a copy with one leaf replaced, and the rendered objects to compare
 * (without the `values[-rev]` ConfigMap, a debug dump of all values that would make every key
 * look used). Shared by keys.test.ts (the plan's keys) and convert.test.ts (convert's keys).
 */

/** One leaf of a values tree (lists are leaves) and its path. @internal */
export type Leaf = { path: string[]; value: unknown };

/** Every leaf of a values tree. @internal */
export function leaves(v: unknown, path: string[] = []): Leaf[] {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [{ path, value: v }];
}

/** A different value of the same kind (`key` names the leaf, for values with a fixed set). @internal */
export function changed(value: unknown, key = ""): unknown {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + 1;
  if (Array.isArray(value)) return value.length > 0 ? [] : ["planton-test"];
  if (key === "profile") return value === "demo" ? "ambient" : "demo";
  if (typeof value === "string") return /^\d/.test(value) ? `9${value}` : `${value}x`;
  return "planton-test";
}

/** A copy of `values` with the leaf at `path` replaced. @internal */
export function withValue(
  values: Record<string, unknown>,
  path: string[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(values);
  let node = copy as Record<string, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path.at(-1) as string] = value;
  return copy;
}

/** The rendered objects as compared, without the values dump. @internal */
export const meaningful = (objects: K8sObject[]) =>
  JSON.stringify(objects.filter((o) => !(o.kind === "ConfigMap" && /^values(-.+)?$/.test(o.metadata.name))));
