import {
  CST,
  Composer,
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Pair,
  Parser,
} from "yaml";
import { type Diagnostic, diagnostic, positionIn } from "./diagnostic.js";

/** A parsed single-document YAML file with a line counter for positions. */
export type ParseResult =
  | { kind: "ok"; doc: Document.Parsed; lines: LineCounter }
  | { kind: "invalid"; diagnostics: Diagnostic[] };

const maxNesting = 64;
const maxIndent = maxNesting * 8;

/**
 * Watches the lexer's tokens for nesting deeper than any manifest needs, so that the YAML
 * composer never recurses into it: flow collections (`[`, `{`) more than `maxNesting` deep, or
 * block indentation wider than `maxIndent`. Brackets inside comments, quoted strings and
 * block scalars are not structure and do not count. Mirrors how yaml's Parser counts offsets.
 */
class NestingGuard {
  private depth = 0;
  private offset = 0;
  private atScalar = false;
  private atNewLine = true;
  private indent = 0;

  /** The offset of `lexeme` when it nests too deep, else undefined. */
  next(lexeme: string): number | undefined {
    const at = this.offset;
    if (this.atScalar) {
      this.atScalar = false;
      this.atNewLine = false;
      this.offset += lexeme.length;
      return undefined;
    }
    const type = CST.tokenType(lexeme);
    switch (type) {
      case "scalar":
        this.atScalar = true;
        return undefined;
      case "doc-mode":
      case "flow-error-end":
        return undefined;
      case "flow-map-start":
      case "flow-seq-start":
        this.depth++;
        this.atNewLine = false;
        if (this.depth > maxNesting) return at;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        if (this.depth > 0) this.depth--;
        this.atNewLine = false;
        break;
      case "newline":
        this.atNewLine = true;
        this.indent = 0;
        break;
      case "space":
      case "explicit-key-ind":
      case "map-value-ind":
      case "seq-item-ind":
        if (this.atNewLine && (type !== "space" || lexeme[0] === " ")) this.indent += lexeme.length;
        if (this.indent > maxIndent) return at;
        break;
      default:
        this.atNewLine = false;
    }
    this.offset += lexeme.length;
    return undefined;
  }
}

/** YAML text composed into documents, or the offset where it nests too deep. */
export type ComposeResult =
  | { kind: "ok"; docs: Document.Parsed[]; lines: LineCounter }
  | { kind: "too_deep"; offset: number; lines: LineCounter };

/**
 * Parses YAML text into documents, keeping positions. Linear in the size of the text: keys are
 * not checked for uniqueness here (yaml's own check is quadratic), see `structuralProblems`.
 */
export function composeYaml(text: string): ComposeResult {
  const lines = new LineCounter();
  lines.addNewLine(0);
  const parser = new Parser(lines.addNewLine);
  const guard = new NestingGuard();
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    const deep = guard.next(lexeme);
    if (deep !== undefined) return { kind: "too_deep", offset: deep, lines };
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, strict: true });
  return { kind: "ok", docs: Array.from(composer.compose(tokens)), lines };
}

/** A problem in a YAML tree that the YAML library does not report itself. */
export interface NodeProblem {
  offset: number;
  /** Field path in the document's own spelling. */
  path: string;
  code: string;
  message: string;
  hint: string;
}

/** The tags a JSON-compatible document may name explicitly (YAML's core schema). */
const jsonTags = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/** A tag as written: `!!timestamp` for YAML's own, `!foo` for a local one. */
function tagName(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice(18)}` : tag;
}

const separator = /[\s[\]{},]/;

/** Where the tag of a node starting at `start` is written: just before it, maybe before an anchor. */
function tagOffset(text: string, start: number): number | undefined {
  let i = start;
  for (let props = 0; props < 2; props++) {
    let end = i;
    while (end > 0 && /\s/.test(text[end - 1] ?? "")) end--;
    let begin = end;
    if (text[end - 1] === ">") {
      // a verbatim tag, !<…>, may hold separators; look back a bounded distance only
      const from = Math.max(0, end - 1024);
      const verbatim = text.slice(from, end).lastIndexOf("!<");
      if (verbatim >= 0 && !/\s/.test(text.slice(from + verbatim, end))) begin = from + verbatim;
    } else {
      while (begin > 0 && !separator.test(text[begin - 1] ?? "")) begin--;
    }
    if (text[begin] === "!") return begin;
    if (text[begin] !== "&") return undefined;
    i = begin;
  }
  return undefined;
}

/** Shortens text quoted in a message. */
function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Finds, in one linear pass over a YAML tree (aliases are not followed): keys repeated in a map
 * (reported at the second occurrence, naming the line of the first) and tags that JSON has no
 * value for (`!!timestamp`, `!!binary`, `!!set`, `!!omap`, `!custom`): their value would depend on
 * the YAML library or the time zone, so they are refused.
 */
export function structuralProblems(
  root: unknown,
  text: string,
  lineOf: (offset: number) => number,
): NodeProblem[] {
  const out: NodeProblem[] = [];
  const walk = (node: unknown, path: string): void => {
    if (!isNode(node) || isAlias(node)) return;
    const start = node.range?.[0] ?? 0;
    if (node.tag !== undefined && !jsonTags.has(node.tag)) {
      out.push({
        offset: tagOffset(text, start) ?? start,
        path,
        code: "yaml.tag",
        message: `the tag ${clip(tagName(node.tag))} is not supported`,
        hint: "a manifest holds plain values (text, numbers, true/false, lists, maps): remove the tag, and quote the value if it is text",
      });
    }
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items as Pair[]) {
        const key = pair.key;
        walk(key, path);
        let name = "?";
        if (isScalar(key) && (key.value === null || typeof key.value !== "object")) {
          name = String(key.value);
          const id = `${typeof key.value}:${name}`;
          const offset = key.range?.[0] ?? start;
          const first = seen.get(id);
          if (first === undefined) {
            seen.set(id, offset);
          } else {
            out.push({
              offset,
              path: path === "" ? name : `${path}.${name}`,
              code: "yaml.duplicate_key",
              message: `duplicate key ${JSON.stringify(clip(name))} (first at line ${lineOf(first)})`,
              hint: "remove one of the two keys",
            });
          }
        }
        walk(pair.value, path === "" ? name : `${path}.${name}`);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, `${path}[${i}]`);
      });
    }
  };
  walk(root, "");
  return out;
}

/**
 * Parses YAML keeping positions. Syntax errors, several documents in one file, absurd nesting,
 * duplicate keys and non-JSON tags each become diagnostics with a line and column; nothing here
 * throws for bad input, and the time taken is linear in the size of the file.
 */
export function parseManifestYaml(text: string, file: string): ParseResult {
  const composed = composeYaml(text);
  const { lines } = composed;
  const at = (offset: number, code: string, message: string, hint: string, path = ""): Diagnostic =>
    diagnostic(positionIn(lines, file, offset), path, code, message, hint);
  if (composed.kind === "too_deep") {
    return {
      kind: "invalid",
      diagnostics: [
        at(
          composed.offset,
          "yaml.too_deep",
          `nested more than ${maxNesting} levels`,
          "a manifest needs only a few levels; check the file",
        ),
      ],
    };
  }
  const list = composed.docs;
  const diagnostics: Diagnostic[] = [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const message = err.message.split("\n")[0] ?? err.message;
      diagnostics.push(at(err.pos[0], "yaml.syntax", message, yamlHint(err.code)));
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
  const problems = structuralProblems(doc.contents, text, (offset) => lines.linePos(offset).line);
  if (problems.length > 0) {
    return {
      kind: "invalid",
      diagnostics: problems.map((p) => at(p.offset, p.code, p.message, p.hint, p.path)),
    };
  }
  return { kind: "ok", doc, lines };
}

function yamlHint(code: string): string {
  switch (code) {
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
