import { parseDocument } from "yaml";
import type { Json } from "./source.js";

/**
 * An IstioOperator's text as istioctl reads it: sigs.k8s.io/yaml decodes it with go-yaml v2, a
 * YAML 1.1 reader, so plain `yes`/`no`/`on`/`off`/`y`/`n` (and their capitalised forms) are
 * booleans and `0755`, `0x1F`, `0b101`, `1_000` are numbers. go-yaml v2 keeps timestamps and
 * sexagesimal numbers (`1:20`) as text, so those 1.1 readings are left out. The text has been
 * parsed (and checked) once already; this only reads its scalars the 1.1 way.
 */
export function readAsIstioctl(text: string): Json {
  const doc = parseDocument(text, {
    version: "1.1",
    customTags: (tags) =>
      tags.filter(
        (t) =>
          typeof t !== "object" ||
          (t.tag !== "tag:yaml.org,2002:timestamp" && (t as { format?: string }).format !== "TIME"),
      ),
  });
  return doc.toJS() as Json;
}
