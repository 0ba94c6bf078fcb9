import { type Document, LineCounter, parseAllDocuments } from "yaml";
import type { Diagnostic } from "./diagnostic.js";

/** A parsed single-document YAML file with a line counter for positions. */
export type ParseResult =
  | { kind: "ok"; doc: Document.Parsed; lines: LineCounter }
  | { kind: "invalid"; diagnostics: Diagnostic[] };

const maxNesting = 64;

/** Rejects nesting deeper than any manifest needs before the YAML composer recurses into it. */
function nestingTooDeep(text: string): number | undefined {
  let depth = 0;
  let indentDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[" || c === "{") {
      depth++;
      if (depth > maxNesting) return i;
    } else if ((c === "]" || c === "}") && depth > 0) {
      depth--;
    } else if (c === "\n") {
      let spaces = 0;
      while (text[i + 1 + spaces] === " ") spaces++;
      indentDepth = spaces;
      if (indentDepth > maxNesting * 8) return i + 1;
    }
  }
  return undefined;
}

/**
 * Parses YAML keeping positions. Syntax errors, several documents in one file and absurd
 * nesting each become diagnostics with a line and column; nothing here throws for bad input.
 */
export function parseManifestYaml(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  const at = (offset: number, code: string, message: string, hint?: string): Diagnostic => {
    const pos = lines.linePos(offset);
    const d: Diagnostic = {
      severity: "error",
      code,
      message,
      path: "",
      file,
      line: pos.line,
      column: pos.col,
    };
    if (hint !== undefined) d.hint = hint;
    return d;
  };
  const deep = nestingTooDeep(text);
  if (deep !== undefined) {
    // count lines ourselves: the parser has not run, so the line counter is empty
    const before = text.slice(0, deep);
    const line = before.split("\n").length;
    const column = deep - before.lastIndexOf("\n");
    return {
      kind: "invalid",
      diagnostics: [
        {
          severity: "error",
          code: "yaml.too_deep",
          message: `nested more than ${maxNesting} levels`,
          path: "",
          file,
          line,
          column,
          hint: "a manifest needs only a few levels; check the file",
        },
      ],
    };
  }
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const list = Array.isArray(docs) ? docs : [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const message = err.message.split("\n")[0] ?? err.message;
      diagnostics.push(
        at(
          err.pos[0],
          err.code === "DUPLICATE_KEY" ? "yaml.duplicate_key" : "yaml.syntax",
          message,
          yamlHint(err.code),
        ),
      );
    }
  }
  if (diagnostics.length > 0) return { kind: "invalid", diagnostics };
  if (list.length > 1) {
    const second = list[1];
    return {
      kind: "invalid",
      diagnostics: [
        at(
          second?.range[0] ?? 0,
          "yaml.multiple_documents",
          `the file holds ${list.length} YAML documents; a manifest is one`,
          "put each manifest in its own file (remove the `---` separators)",
        ),
      ],
    };
  }
  const doc = list[0];
  if (doc === undefined || doc.contents === null) {
    return {
      kind: "invalid",
      diagnostics: [at(0, "file.empty", "holds no YAML document", "start from examples/dev.yaml")],
    };
  }
  return { kind: "ok", doc, lines };
}

function yamlHint(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "remove one of the two keys";
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation and punctuation on this line and the one before";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "a key must fit on one line; check for a missing `:` or unbalanced quotes";
    default:
      return "fix the YAML syntax here; `planton schema` shows the expected shape";
  }
}
