import { type Document, isScalar, parseDocument, visit } from "yaml";

/**
 * Text that a YAML 1.1 reader (Helm's go-yaml, `yaml` in 1.1 mode) would not read back as the
 * same string when written plain: its booleans (`yes`, `Off`, `y`, …), nulls, numbers in every
 * 1.1 spelling (`1_000`, `0x1F`, `0755`, `0b101`, `1:20`, `.inf`), timestamps, and the merge and
 * value keys.
 */
export function misreadByYaml11(text: string): boolean {
  if (text.includes("\n")) return false; // never written plain as one scalar
  if (text === "<<" || text === "=") return true;
  // go-yaml v2 reads numbers with Go's parsers after removing every `_`
  const plain = text.replace(/_/g, "");
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  if (/^[-+]?0[xXoObB][0-9a-fA-F]+$/.test(plain)) return true;
  const doc = parseDocument(text, { version: "1.1" });
  return doc.errors.length > 0 || !isScalar(doc.contents) || doc.contents.value !== text;
}

/**
 * Quotes every string scalar of `doc` (keys and values) that a YAML 1.1 reader would read as
 * something else, so the YAML means the same strings to Helm as to planton. Other scalars keep
 * the style the YAML 1.2 stringifier picks.
 */
export function quoteForYaml11(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string" || node.type === "QUOTE_DOUBLE") return;
      if (misreadByYaml11(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
}
