import { type Document, isAlias, isMap, isSeq, LineCounter, type Node, type Pair, parseDocument } from "yaml";
import { type Diagnostic, diagnostic, positionIn } from "../manifest/diagnostic.js";
import { maxAliasExpansion } from "../manifest/alias-budget.js";
import type { Json } from "./source.js";

/** An IstioOperator read as istioctl reads it, or why it cannot be. */
export type IstioctlRead = { kind: "ok"; value: Json } | { kind: "invalid"; diagnostic: Diagnostic };

/**
 * The values a document stands for once its aliases are followed, counted without building
 * them, and the alias whose expansion went over `limit` (or that contains itself, which go-yaml
 * refuses too). `undefined` when the document stays within the limit.
 */
function aliasOverflow(doc: Document.Parsed, limit: number): Node | undefined {
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  let culprit: Node | undefined;
  const measure = (node: unknown): number => {
    if (node === null || node === undefined || culprit !== undefined) return 0;
    const known = size.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) return Number.POSITIVE_INFINITY;
    open.add(node);
    let n = 1;
    if (isAlias(node)) n = measure(node.resolve(doc));
    else if (isMap(node)) for (const p of node.items as Pair[]) n += measure(p.key) + measure(p.value);
    else if (isSeq(node)) for (const item of node.items) n += measure(item);
    open.delete(node);
    if (n > limit && isAlias(node) && culprit === undefined) culprit = node;
    size.set(node, n);
    return n;
  };
  measure(doc.contents);
  return culprit;
}

/** Counts the nodes written in the document, aliases as one each. */
function written(node: unknown): number {
  if (isMap(node)) return (node.items as Pair[]).reduce((n, p) => n + written(p.key) + written(p.value), 1);
  if (isSeq(node)) return node.items.reduce((n: number, item) => n + written(item), 1);
  return node === null || node === undefined ? 0 : 1;
}

/**
 * An IstioOperator's text as istioctl reads it: sigs.k8s.io/yaml decodes it with go-yaml v2, a
 * YAML 1.1 reader, so plain `yes`/`no`/`on`/`off`/`y`/`n` (and their capitalised forms) are
 * booleans and `0755`, `0x1F`, `0b101`, `1_000` are numbers. go-yaml v2 keeps timestamps and
 * sexagesimal numbers (`1:20`) as text, so those 1.1 readings are left out. The text has been
 * parsed (and checked) once already; this only reads its scalars the 1.1 way, after making sure
 * its aliases (and merge keys) expand it by at most `maxAliasExpansion` values, as a manifest's
 * may: a "billion laughs" document is a positioned `yaml.too_large`, never an internal error.
 */
export function readAsIstioctl(text: string, file: string): IstioctlRead {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    lineCounter: lines,
    customTags: (tags) =>
      tags.filter(
        (t) =>
          typeof t !== "object" ||
          (t.tag !== "tag:yaml.org,2002:timestamp" && (t as { format?: string }).format !== "TIME"),
      ),
  });
  const overflow = aliasOverflow(doc, written(doc.contents) + maxAliasExpansion);
  if (overflow !== undefined)
    return {
      kind: "invalid",
      diagnostic: diagnostic(
        positionIn(lines, file, overflow.range?.[0]),
        "",
        "yaml.too_large",
        `aliases expand the document by more than ${maxAliasExpansion} values (or an anchor contains itself)`,
        "remove anchors and aliases that repeat large parts of the file",
      ),
    };
  return { kind: "ok", value: doc.toJS({ maxAliasCount: -1 }) as Json };
}
