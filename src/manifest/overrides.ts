import { type Document, isAlias, isMap, isScalar, isSeq, type Pair, YAMLMap, YAMLSeq } from "yaml";
import { UsageError } from "../errors.js";
import { looksLikeMaterial } from "./ca-read.js";
import { composeYaml, structuralProblems } from "./parse.js";

/** One `--set path=value` from the command line. */
export interface Override {
  /** The argument as given, for messages. */
  arg: string;
  /** Path segments: keys, and numbers for list positions. */
  path: (string | number)[];
  /** The dotted path as written, e.g. `spec.controlPlane.replicas`. */
  display: string;
  value: unknown;
}

/** Parses `spec.ingressGateways[0].replicas=3` into segments and a YAML-typed value. */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf("=");
  if (eq <= 0) {
    throw new UsageError(
      `--set ${redactUserinfo(arg)}: expected PATH=VALUE`,
      "for example --set spec.controlPlane.replicas=3",
    );
  }
  const display = arg.slice(0, eq);
  const path: (string | number)[] = [];
  for (const part of display.split(".")) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (m === null || m[1] === undefined) {
      throw new UsageError(
        `--set ${redactUserinfo(arg)}: \`${part}\` is not a valid path segment`,
        "use dotted field names and [N] for list items, e.g. spec.ingressGateways[0].replicas=2",
      );
    }
    path.push(m[1]);
    for (const idx of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  const raw = arg.slice(eq + 1);
  return { arg, path, display, value: raw === "" ? null : parseValue(arg, raw) };
}

const quoteHint = "quote the value to pass it as text, e.g. --set 'spec.profile=\"*a\"'";

/**
 * Reads a `--set` value as YAML with the manifest's own limits (nesting, duplicate keys,
 * JSON-compatible tags only) and no aliases; any problem is a `UsageError`, never an exception.
 */
function parseValue(arg: string, raw: string): unknown {
  const bad = (why: string, hint = quoteHint) => new UsageError(`--set ${redactUserinfo(arg)}: ${why}`, hint);
  const composed = composeYaml(raw);
  if (composed.kind === "too_deep") throw bad("the value is nested too deeply");
  const [doc, ...more] = composed.docs;
  if (doc === undefined) return null;
  const error = doc.errors[0];
  if (error !== undefined) throw bad(`the value is not valid YAML (${error.message.split("\n")[0]})`);
  if (more.length > 0) throw bad("the value holds more than one YAML document");
  const problem = structuralProblems(doc.contents, raw, (offset) => composed.lines.linePos(offset).line)[0];
  if (problem !== undefined) throw bad(problem.message, problem.hint);
  const unsupported = unsupportedNode(doc.contents);
  if (unsupported !== undefined) throw bad(`${unsupported} is not supported in --set values`);
  try {
    return doc.toJS();
  } catch (err) {
    throw bad(`the value cannot be read (${(err as Error).message})`);
  }
}

/** What a YAML tree uses that a `--set` value may not: an alias, or a key that is a list or map. */
function unsupportedNode(root: unknown): string | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return "a YAML alias (*name)";
    if (isMap(node)) {
      for (const pair of node.items as Pair[]) {
        if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key))
          return "a key that is a list or map";
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return undefined;
}

/**
 * A `--set` argument as messages show it: the user name and password of a URL hidden
 * (`https://***@host/`, `***@registry/istio`), its query and fragment too, where tokens and
 * signatures go (`https://host/charts?***`, `registry/istio#***`),
 * and a value that is key or certificate material (a PEM block, a base64 key body) replaced whole
 * by `[secret]`.
 */
export function redactUserinfo(text: string): string {
  const eq = text.indexOf("=");
  if (eq > 0 && looksLikeMaterial(text.slice(eq + 1))) return `${text.slice(0, eq)}=[secret]`;
  const key = eq > 0 ? text.slice(0, eq + 1) : "";
  const value = eq > 0 ? text.slice(eq + 1) : text;
  return (
    key +
    value
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, "$1***@")
      // a registry path's user name and password (`bob:pass@registry.example.com/istio`)
      .replace(/^[^/?#@\s]*@/, "***@")
      // a query or a fragment, with or without a scheme: where tokens and signatures go
      .replace(/([?#])[\s\S]*$/, "$1***")
  );
}

const norm = (k: string) => k.replace(/_/g, "").toLowerCase();

/**
 * Applies an override to the parsed document before validation. A key already present under
 * either spelling (camelCase or snake_case) is replaced in place, so the file's own spelling
 * and the `--set` path never both end up in the document.
 */
export function applyOverride(doc: Document.Parsed, o: Override): void {
  if (!isMap(doc.contents)) {
    throw new UsageError(`--set ${redactUserinfo(o.arg)}: the manifest is not a map of fields`);
  }
  let node: unknown = doc.contents;
  for (let i = 0; i < o.path.length; i++) {
    const seg = o.path[i] as string | number;
    const last = i === o.path.length - 1;
    const nextIsIndex = typeof o.path[i + 1] === "number";
    const fresh = () => (nextIsIndex ? new YAMLSeq() : new YAMLMap());
    if (typeof seg === "number") {
      if (!isSeq(node))
        throw new UsageError(`--set ${redactUserinfo(o.arg)}: ${o.path.slice(0, i).join(".")} is not a list`);
      if (seg > node.items.length) {
        throw new UsageError(
          `--set ${redactUserinfo(o.arg)}: index ${seg} is past the end of the list (${node.items.length} items)`,
          `use an index from 0 to ${node.items.length}`,
        );
      }
      if (last) {
        node.items[seg] = doc.createNode(o.value);
        return;
      }
      if (seg === node.items.length || !(isMap(node.items[seg]) || isSeq(node.items[seg])))
        node.items[seg] = fresh();
      node = node.items[seg];
      continue;
    }
    if (!isMap(node))
      throw new UsageError(
        `--set ${redactUserinfo(o.arg)}: ${o.path.slice(0, i).join(".") || "the manifest"} is not a map`,
      );
    const pair = (node.items as Pair[]).find(
      (p) => isScalar(p.key) && typeof p.key.value === "string" && norm(p.key.value) === norm(seg),
    );
    if (last) {
      if (pair) pair.value = doc.createNode(o.value);
      else node.add(doc.createPair(seg, o.value));
      return;
    }
    if (pair && (isMap(pair.value) || isSeq(pair.value))) {
      node = pair.value;
    } else {
      const child = fresh();
      if (pair) pair.value = child;
      else node.add(doc.createPair(seg, child));
      node = child;
    }
  }
}
