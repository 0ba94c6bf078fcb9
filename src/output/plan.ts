import { stringify } from "yaml";
import type { InstallPlan } from "../istio/types.js";

/** The plan as JSON, 2-space indented, newline-terminated (also the golden-file form). */
export function planToJson(plan: InstallPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** The plan as YAML, keys in plan order. */
export function planToYaml(plan: InstallPlan): string {
  return stringify(plan, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A values file for one release, as `helm template -f` reads it. */
export function valuesToYaml(values: Record<string, unknown>): string {
  return stringify(values, { lineWidth: 0, aliasDuplicateObjects: false });
}
