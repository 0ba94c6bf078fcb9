import { type Document, isMap, isScalar, isSeq, parseDocument, type Pair, YAMLMap, YAMLSeq } from "yaml";
import { UsageError } from "../errors.js";

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
      `--set ${arg}: expected PATH=VALUE`,
      "for example --set spec.controlPlane.replicas=3",
    );
  }
  const display = arg.slice(0, eq);
  const path: (string | number)[] = [];
  for (const part of display.split(".")) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (m === null || m[1] === undefined) {
      throw new UsageError(
        `--set ${arg}: \`${part}\` is not a valid path segment`,
        "use dotted field names and [N] for list items, e.g. spec.ingressGateways[0].replicas=2",
      );
    }
    path.push(m[1]);
    for (const idx of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  const raw = arg.slice(eq + 1);
  const parsed = parseDocument(raw);
  if (parsed.errors.length > 0) {
    throw new UsageError(
      `--set ${arg}: the value is not valid YAML (${parsed.errors[0]?.message.split("\n")[0]})`,
      "quote the value, e.g. --set 'spec.version=\"1.30.3\"'",
    );
  }
  return { arg, path, display, value: raw === "" ? null : parsed.toJS() };
}

const norm = (k: string) => k.replace(/_/g, "").toLowerCase();

/**
 * Applies an override to the parsed document before validation. A key already present under
 * either spelling (camelCase or snake_case) is replaced in place, so the file's own spelling
 * and the `--set` path never both end up in the document.
 */
export function applyOverride(doc: Document.Parsed, o: Override): void {
  if (!isMap(doc.contents)) {
    throw new UsageError(`--set ${o.arg}: the manifest is not a map of fields`);
  }
  let node: unknown = doc.contents;
  for (let i = 0; i < o.path.length; i++) {
    const seg = o.path[i] as string | number;
    const last = i === o.path.length - 1;
    const nextIsIndex = typeof o.path[i + 1] === "number";
    const fresh = () => (nextIsIndex ? new YAMLSeq() : new YAMLMap());
    if (typeof seg === "number") {
      if (!isSeq(node)) throw new UsageError(`--set ${o.arg}: ${o.path.slice(0, i).join(".")} is not a list`);
      if (seg > node.items.length) {
        throw new UsageError(
          `--set ${o.arg}: index ${seg} is past the end of the list (${node.items.length} items)`,
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
      throw new UsageError(`--set ${o.arg}: ${o.path.slice(0, i).join(".") || "the manifest"} is not a map`);
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
