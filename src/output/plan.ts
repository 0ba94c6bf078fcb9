import { Document, visit } from "yaml";
import type { InstallPlan } from "../istio/types.js";
import { escapeControl, hasControl } from "./redact.js";
import { quoteForYaml11 } from "./yaml11.js";

/**
 * The plan as JSON, 2-space indented, newline-terminated (also the golden-file form). Control
 * characters and bidi overrides in values are escaped (JSON's `\u…` escapes), so printing it on a
 * terminal is safe and parsing it gives the same plan.
 */
export function planToJson(plan: InstallPlan): string {
  return `${escapeControl(JSON.stringify(plan, null, 2), { keepNewlines: true })}\n`;
}

/** The plan as YAML, keys in plan order. */
export function planToYaml(plan: InstallPlan): string {
  return safeYaml(plan);
}

/** A values file for one release, as `helm template -f` reads it. */
export function valuesToYaml(values: Record<string, unknown>): string {
  return safeYaml(values);
}

/**
 * YAML that is safe to print: a string holding a control character or a bidi override (other
 * than newline and tab) is written double-quoted, where the escapes `escapeControl` writes mean
 * the same character, so the document parses to the same values.
 */
function safeYaml(value: unknown): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  quoteForYaml11(doc); // Helm reads values files as YAML 1.1
  let unsafe = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && hasControl(node.value, { keepNewlines: true, keepTabs: true })) {
        node.type = "QUOTE_DOUBLE";
        unsafe = true;
      }
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  return unsafe ? escapeControl(text, { keepNewlines: true, keepTabs: true }) : text;
}
