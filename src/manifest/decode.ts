import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { closest, distance } from "fastest-levenshtein";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from "yaml";
import { type Diagnostic, diagnostic, positionIn } from "./diagnostic.js";

/** A JSON value as protobuf's `fromJson` reads it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Where a value of the decoded manifest came from. */
export interface NodeRef {
  /** Path in the manifest's own spelling, e.g. `spec.control_plane.replicas`. */
  display: string;
  /** Offset in the source of the key (or of the list item) that names this value. */
  keyOffset: number | undefined;
  /** Offset of the value itself. */
  valueOffset: number | undefined;
  /** True when the key is written in snake_case (Project Planton's spelling). */
  snake: boolean;
}

/**
 * The result of decoding: JSON for `fromJson`, and an index from canonical paths (proto field
 * names, `[i]` for list items, `["k"]` for map keys, e.g. `spec.ingress_gateways[0].name`) to the
 * YAML node each value came from, so later checks can point at the right line and column.
 */
export interface DecodeResult {
  json: JsonObject;
  index: Map<string, NodeRef>;
  diagnostics: Diagnostic[];
}

/** Fields that also accept Project Planton's `{value: x}` wrapper (StringValueOrRef). */
const valueOrRefFields = new Set(["planton.kubernetes.istio.v1.KubernetesIstioSpec.namespace"]);

const int32Max = 2 ** 31 - 1;
const maxDepth = 64;
/** How many values aliases may add to a document ("billion laughs" documents add billions). */
const maxAliasExpansion = 20000;

/** Keys that name a JavaScript object's own machinery: a value under one would be lost. */
const reservedKeys = new Set(["__proto__", "constructor", "prototype"]);

/** Counts the nodes written in a document (keys and values), not following aliases. */
function countNodes(root: unknown): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    n++;
    if (isMap(node)) for (const pair of node.items as Pair[]) stack.push(pair.key, pair.value);
    else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return n;
}

/** Joins a canonical child path. */
export function childPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}.${name}`;
}

function describe(node: unknown): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    if (typeof v === "string") return "text";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return `the number ${node.source ?? String(v)}`;
  }
  return "an unexpected value";
}

class Decoder {
  readonly index = new Map<string, NodeRef>();
  readonly diagnostics: Diagnostic[] = [];
  private visited = 0;
  private budgetExceeded = false;
  /** Visits allowed: each node written in the file (visited at most twice) plus what aliases add. */
  private readonly budget: number;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {
    this.budget = 2 * countNodes(doc.contents) + maxAliasExpansion;
  }

  report(offset: number | undefined, path: string, code: string, message: string, hint: string): void {
    this.diagnostics.push(diagnostic(positionIn(this.lines, this.file, offset), path, code, message, hint));
  }

  /** Follows aliases, with a budget so that "billion laughs" documents stop early. */
  private deref(node: unknown, path: string): unknown {
    this.visited++;
    if (this.visited > this.budget && !this.budgetExceeded) {
      this.budgetExceeded = true;
      this.report(
        undefined,
        "",
        "yaml.too_large",
        `aliases expand the document by more than ${maxAliasExpansion} values`,
        "remove anchors and aliases that repeat large parts of the file",
      );
    }
    if (this.budgetExceeded) return undefined;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) {
        this.report(
          node.range?.[0],
          path,
          "yaml.alias",
          `unknown alias *${node.source}`,
          "define the anchor (&name) before using it",
        );
      }
      return target;
    }
    return node;
  }

  private offset(node: unknown): number | undefined {
    return (node as Node | undefined)?.range?.[0];
  }

  message(
    node: unknown,
    desc: DescMessage,
    canon: string,
    display: string,
    depth: number,
  ): JsonObject | undefined {
    node = this.deref(node, display);
    if (node === undefined) return undefined;
    if (isScalar(node) && node.value === null) return undefined;
    if (!isMap(node)) {
      this.report(
        this.offset(node),
        display,
        "type.mismatch",
        `expected a map of fields, found ${describe(node)}`,
        `see \`planton schema\` for the fields of ${display || "the manifest"}`,
      );
      return undefined;
    }
    const out: JsonObject = {};
    const seen = new Map<string, string>();
    for (const pair of node.items as Pair[]) {
      const keyNode = this.deref(pair.key, display);
      if (!isScalar(keyNode) || typeof keyNode.value !== "string") {
        this.report(
          this.offset(pair.key),
          display,
          "key.invalid",
          "keys must be plain field names",
          "write the field's name as plain text, e.g. `replicas: 2`",
        );
        continue;
      }
      const key = keyNode.value;
      const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
      const keyDisplay = display === "" ? key : `${display}.${key}`;
      if (field === undefined) {
        const names = desc.fields.map((f) => f.jsonName);
        const guess = closest(key, [...names, ...desc.fields.map((f) => f.name)]);
        const known = desc.fields.find((f) => f.name === guess || f.jsonName === guess);
        const hint =
          known !== undefined && distanceOk(key, guess)
            ? `did you mean \`${key.includes("_") ? known.name : known.jsonName}\`?`
            : `known fields here: ${names.join(", ")}`;
        this.report(keyNode.range?.[0], keyDisplay, "key.unknown", `unknown field \`${key}\``, hint);
        continue;
      }
      const previous = seen.get(field.name);
      if (previous !== undefined) {
        this.report(
          keyNode.range?.[0],
          keyDisplay,
          "key.duplicate",
          `\`${key}\` sets the same field as \`${previous}\``,
          "keep one of the two spellings",
        );
        continue;
      }
      seen.set(field.name, key);
      const fieldCanon = childPath(canon, field.name);
      this.index.set(fieldCanon, {
        display: keyDisplay,
        keyOffset: keyNode.range?.[0],
        valueOffset: this.offset(pair.value),
        snake: key.includes("_"),
      });
      const value = this.field(pair.value, field, fieldCanon, keyDisplay, depth + 1);
      if (value !== undefined) out[field.jsonName] = value;
    }
    return out;
  }

  private field(
    node: unknown,
    field: DescField,
    canon: string,
    display: string,
    depth: number,
  ): JsonValue | undefined {
    node = this.deref(node, display);
    if (node === undefined) return undefined;
    if (isScalar(node) && node.value === null) return undefined;
    switch (field.fieldKind) {
      case "scalar":
        if (valueOrRefFields.has(`${field.parent.typeName}.${field.name}`) && isMap(node)) {
          return this.valueOrRef(node, field, canon, display);
        }
        return this.scalar(node, field.scalar, display);
      case "enum":
        return this.scalar(node, ScalarType.STRING, display);
      case "message":
        return this.messageOrStruct(node, field.message, canon, display, depth);
      case "list": {
        if (!isSeq(node)) {
          this.report(
            this.offset(node),
            display,
            "type.mismatch",
            `expected a list, found ${describe(node)}`,
            "write a YAML list (one `- item` per line, or `[]`)",
          );
          return undefined;
        }
        const items: JsonValue[] = [];
        node.items.forEach((item, i) => {
          const itemCanon = `${canon}[${i}]`;
          const itemDisplay = `${display}[${i}]`;
          this.index.set(itemCanon, {
            display: itemDisplay,
            keyOffset: this.offset(item),
            valueOffset: this.offset(item),
            snake: false,
          });
          const v =
            field.listKind === "message"
              ? this.messageOrStruct(item, field.message, itemCanon, itemDisplay, depth)
              : this.scalar(
                  this.deref(item, itemDisplay),
                  field.listKind === "scalar" ? field.scalar : ScalarType.STRING,
                  itemDisplay,
                );
          if (v !== undefined) items.push(v);
        });
        return items;
      }
      case "map": {
        if (!isMap(node)) {
          this.report(
            this.offset(node),
            display,
            "type.mismatch",
            `expected a map, found ${describe(node)}`,
            "write `key: value` pairs, or `{}`",
          );
          return undefined;
        }
        const out: JsonObject = {};
        for (const { pair, keyNode, key } of this.textKeys(node, display)) {
          const itemCanon = `${canon}[${JSON.stringify(key)}]`;
          const itemDisplay = `${display}.${key}`;
          this.index.set(itemCanon, {
            display: itemDisplay,
            keyOffset: keyNode.range?.[0],
            valueOffset: this.offset(pair.value),
            snake: false,
          });
          const v =
            field.mapKind === "message"
              ? this.messageOrStruct(pair.value, field.message, itemCanon, itemDisplay, depth)
              : this.scalar(
                  this.deref(pair.value, itemDisplay),
                  field.mapKind === "scalar" ? field.scalar : ScalarType.STRING,
                  itemDisplay,
                );
          if (v !== undefined) out[key] = v;
        }
        return out;
      }
    }
  }

  /** The pairs of a free-form map whose keys are plain text, reporting any other key. */
  private *textKeys(node: YAMLMap, display: string): Generator<{ pair: Pair; keyNode: Scalar; key: string }> {
    for (const pair of node.items as Pair[]) {
      const keyNode = this.deref(pair.key, display);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.report(
          this.offset(pair.key),
          display,
          "key.invalid",
          "map keys must be plain text",
          'write the key as plain text, quoted if needed, e.g. `"app.kubernetes.io/name": x`',
        );
        continue;
      }
      const key = String(keyNode.source ?? keyNode.value);
      if (reservedKeys.has(key)) {
        this.report(
          this.offset(pair.key),
          `${display}.${key}`,
          "key.reserved",
          `\`${key}\` cannot be used as a key`,
          "no chart reads a value under this name; remove it (it would be dropped, not passed to Helm)",
        );
        continue;
      }
      yield { pair, keyNode, key };
    }
  }

  private valueOrRef(node: unknown, field: DescField, canon: string, display: string): JsonValue | undefined {
    if (!isMap(node)) return undefined;
    let value: JsonValue | undefined;
    for (const pair of node.items as Pair[]) {
      const keyNode = this.deref(pair.key, display);
      const key = isScalar(keyNode) ? String(keyNode.value) : "";
      if (key === "value") {
        const entry = this.index.get(canon);
        if (entry !== undefined) entry.valueOffset = this.offset(pair.value);
        value = this.scalar(
          this.deref(pair.value, `${display}.value`),
          field.fieldKind === "scalar" ? field.scalar : ScalarType.STRING,
          `${display}.value`,
        );
      } else {
        this.report(
          this.offset(pair.key),
          `${display}.${key}`,
          "key.unknown",
          `unknown field \`${key}\``,
          "only `value` is supported here (references to other resources are not)",
        );
      }
    }
    return value;
  }

  private messageOrStruct(
    node: unknown,
    desc: DescMessage,
    canon: string,
    display: string,
    depth: number,
  ): JsonValue | undefined {
    if (desc.typeName === "google.protobuf.Struct") {
      node = this.deref(node, display);
      if (!isMap(node)) {
        this.report(
          this.offset(node),
          display,
          "type.mismatch",
          `expected a map of Helm values, found ${describe(node)}`,
          "write the chart's values as YAML, e.g. `istiod: {pilot: {env: {}}}`",
        );
        return undefined;
      }
      return this.any(node, display, depth) as JsonObject;
    }
    if (depth > maxDepth) return undefined;
    return this.message(node, desc, canon, display, depth);
  }

  /** Free-form values (Helm values): any JSON, finite numbers only, bounded depth. */
  private any(node: unknown, display: string, depth: number): JsonValue | undefined {
    node = this.deref(node, display);
    if (node === undefined) return null;
    if (depth > maxDepth) {
      this.report(
        this.offset(node),
        display,
        "yaml.too_deep",
        `nested more than ${maxDepth} levels`,
        "flatten the values",
      );
      return undefined;
    }
    if (isMap(node)) {
      const out: JsonObject = {};
      for (const { pair, key } of this.textKeys(node, display)) {
        const v = this.any(pair.value, `${display}.${key}`, depth + 1);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    if (isSeq(node)) {
      const out: JsonValue[] = [];
      node.items.forEach((item, i) => {
        const v = this.any(item, `${display}[${i}]`, depth + 1);
        if (v !== undefined) out.push(v);
      });
      return out;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === "number" && !Number.isFinite(v)) {
        this.report(
          this.offset(node),
          display,
          "type.mismatch",
          "numbers must be finite",
          "quote the value if it is meant as text",
        );
        return undefined;
      }
      if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
      return String(v);
    }
    return null;
  }

  private scalar(node: unknown, type: ScalarType, display: string): JsonValue | undefined {
    if (node === undefined) return undefined;
    if (!isScalar(node)) {
      this.report(
        this.offset(node),
        display,
        "type.mismatch",
        `expected ${scalarWord(type)}, found ${describe(node)}`,
        scalarHint(type),
      );
      return undefined;
    }
    const v = node.value;
    if (v === null) return undefined;
    switch (type) {
      case ScalarType.STRING:
        // Numbers and booleans written where text is expected keep their source spelling:
        // `cpu: 1` is "1", and `version: 1.30` stays "1.30" (then fails the version check)
        // instead of silently becoming 1.3.
        if (typeof v === "string") return v;
        if (typeof v === "number" || typeof v === "boolean") return node.source ?? String(v);
        break;
      case ScalarType.BOOL:
        if (typeof v === "boolean") return v;
        break;
      case ScalarType.INT32:
      case ScalarType.UINT32:
      case ScalarType.SINT32:
      case ScalarType.FIXED32:
      case ScalarType.SFIXED32:
        if (typeof v === "number" && Number.isInteger(v)) {
          if (Math.abs(v) > int32Max) {
            this.report(
              this.offset(node),
              display,
              "type.range",
              `${node.source ?? v} is too large`,
              "use a whole number between 1 and 100",
            );
            return undefined;
          }
          return v;
        }
        break;
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        if (typeof v === "number" && Number.isFinite(v)) return v;
        break;
      default:
        if (typeof v === "number" || typeof v === "string") return v;
    }
    this.report(
      this.offset(node),
      display,
      "type.mismatch",
      `expected ${scalarWord(type)}, found ${describe(node)}`,
      scalarHint(type),
    );
    return undefined;
  }
}

/** Accepts a suggestion within about a third of the key's length (ignoring case and `_`). */
function distanceOk(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/_/g, "").toLowerCase();
  return distance(norm(a), norm(b)) <= Math.max(2, Math.floor(a.length / 3));
}

function scalarWord(type: ScalarType): string {
  switch (type) {
    case ScalarType.STRING:
      return "text";
    case ScalarType.BOOL:
      return "true or false";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return "a number";
    default:
      return "a whole number";
  }
}

function scalarHint(type: ScalarType): string {
  switch (type) {
    case ScalarType.STRING:
      return "write a single value, quoted if it contains special characters";
    case ScalarType.BOOL:
      return "write true or false, without quotes";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return "write a number without quotes, e.g. 1.0";
    default:
      return "write a whole number without quotes, e.g. 3";
  }
}

/**
 * Walks a parsed YAML document against the manifest's descriptor. Reports unknown keys (with
 * the nearest known one), wrong types, duplicate spellings and oversized alias expansions at
 * their own position; returns JSON that `fromJson` accepts when no error was reported.
 */
export function decodeDocument(
  doc: Document.Parsed,
  lines: LineCounter,
  file: string,
  desc: DescMessage,
): DecodeResult {
  const decoder = new Decoder(doc, lines, file);
  const json = decoder.message(doc.contents, desc, "", "", 0) ?? {};
  return { json, index: decoder.index, diagnostics: decoder.diagnostics };
}
