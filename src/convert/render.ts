import { stringify } from "yaml";
import { escapeControl } from "../output/redact.js";
import type { JsonObject, Note } from "./source.js";

/** The first line of every manifest planton writes: the editor's schema (as in examples/). */
/** The modeline `planton schema --help` teaches: the schema saved beside the manifest. */
export const schemaModeline = "# yaml-language-server: $schema=./kubernetes-istio.schema.json";

/** One line of comment text: control characters escaped, so nothing ends the comment early. */
const line = (s: string) => escapeControl(s);

const width = 100;

/** A note as comment lines: `#   path: message`, wrapped at word boundaries under the path. */
function noteLines(n: Note): string[] {
  const out: string[] = [];
  let cur = `#   ${line(n.path)}:`;
  for (const word of line(n.message).split(" ")) {
    if (cur.length + 1 + word.length > width && cur.length > 6) {
      out.push(cur);
      cur = `#     ${word}`;
    } else cur += ` ${word}`;
  }
  out.push(cur);
  return out;
}

/**
 * The converted manifest as YAML: the schema modeline, a header naming where it came from
 * (`from`) and listing what did not map (and what changed form), then the manifest.
 */
export function renderConvertedYaml(manifest: JsonObject, notes: Note[], from: string): string {
  const dropped = notes.filter((n) => n.kind === "dropped");
  const changed = notes.filter((n) => n.kind === "changed");
  const header = [schemaModeline, `# Converted by \`planton convert\` from ${line(from)}.`];
  if (dropped.length === 0) header.push("# Everything in the IstioOperator was converted.");
  else {
    header.push(`# Not converted (${dropped.length}):`);
    for (const n of dropped) header.push(...noteLines(n));
  }
  if (changed.length > 0) {
    header.push(`# Converted in another form (${changed.length}):`);
    for (const n of changed) header.push(...noteLines(n));
  }
  return `${header.join("\n")}\n${stringify(manifest, { lineWidth: 0 })}`;
}

/** The converted manifest as JSON (notes go to standard error). */
export function renderConvertedJson(manifest: JsonObject): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Notes as `note: path: message` lines, for standard error. */
export function renderNotes(notes: Note[]): string {
  return notes
    .map(
      (n) => `${n.kind === "dropped" ? "not converted" : "changed"}: ${line(n.path)}: ${line(n.message)}\n`,
    )
    .join("");
}
