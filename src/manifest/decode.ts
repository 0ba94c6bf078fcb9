import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { closest, distance } from "fastest-levenshtein";
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Pair } from "yaml";
import { AliasBudget } from "./alias-budget.js";
import { decodeAny, decodeValueOrRef, maxDepth, textKeys } from "./decode-map.js";
import { decodeScalar, describe, offsetOf } from "./decode-scalar.js";
import type { JsonValue, NodeRef } from "./decode-types.js";
import { type Diagnostic, diagnostic, positionIn } from "./diagnostic.js";

export type { JsonValue, NodeRef } from "./decode-types.js";

type JsonObject = { [key: string]: JsonValue };

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

/** Joins a canonical child path. */
export function childPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}.${name}`;
}

class Decoder {
  readonly index = new Map<string, NodeRef>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly aliases: AliasBudget;

  constructor(
    doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {
    this.aliases = new AliasBudget(doc, this);
  }

  report(offset: number | undefined, path: string, code: string, message: string, hint: string): void {
    this.diagnostics.push(diagnostic(positionIn(this.lines, this.file, offset), path, code, message, hint));
  }

  /** Follows aliases, with a budget so that "billion laughs" documents stop early. */
  deref(node: unknown, path: string): unknown {
    return this.aliases.deref(node, path);
  }

  private offset(node: unknown): number | undefined {
    return offsetOf(node);
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
          return decodeValueOrRef(this, node, field, canon, display);
        }
        return decodeScalar(this, node, field.scalar, display);
      case "enum":
        return decodeScalar(this, node, ScalarType.STRING, display);
      case "message":
        return this.messageOrStruct(node, field.message, canon, display, depth);
      case "list":
        return this.list(node, field, canon, display, depth);
      case "map":
        return this.map(node, field, canon, display, depth);
    }
  }

  /** A repeated field: a YAML list, each item indexed and decoded. */
  private list(
    node: unknown,
    field: Extract<DescField, { fieldKind: "list" }>,
    canon: string,
    display: string,
    depth: number,
  ): JsonValue[] | undefined {
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
          : decodeScalar(
              this,
              this.deref(item, itemDisplay),
              field.listKind === "scalar" ? field.scalar : ScalarType.STRING,
              itemDisplay,
            );
      if (v !== undefined) items.push(v);
    });
    return items;
  }

  /** A map field: a YAML map with text keys, each value indexed and decoded. */
  private map(
    node: unknown,
    field: Extract<DescField, { fieldKind: "map" }>,
    canon: string,
    display: string,
    depth: number,
  ): JsonObject | undefined {
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
    for (const { pair, keyNode, key } of textKeys(this, node, display)) {
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
          : decodeScalar(
              this,
              this.deref(pair.value, itemDisplay),
              field.mapKind === "scalar" ? field.scalar : ScalarType.STRING,
              itemDisplay,
            );
      if (v !== undefined) out[key] = v;
    }
    return out;
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
      return decodeAny(this, node, display, depth) as JsonObject;
    }
    if (depth > maxDepth) return undefined;
    return this.message(node, desc, canon, display, depth);
  }
}

/** Accepts a suggestion within about a third of the key's length (ignoring case and `_`). */
function distanceOk(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/_/g, "").toLowerCase();
  return distance(norm(a), norm(b)) <= Math.max(2, Math.floor(a.length / 3));
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
