import { type DescField, ScalarType } from "@bufbuild/protobuf";
import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from "yaml";
import { decodeScalar, offsetOf } from "./decode-scalar.js";
import type { JsonValue, NodeRef, Reporter } from "./decode-types.js";

/** What the map helpers need from the decoder. */
export interface DecodeContext extends Reporter {
  readonly index: Map<string, NodeRef>;
  /** Follows aliases within the document's alias budget. */
  deref(node: unknown, path: string): unknown;
}

type JsonObject = { [key: string]: JsonValue };

export const maxDepth = 64;

/** Keys that name a JavaScript object's own machinery: a value under one would be lost. */
const reservedKeys = new Set(["__proto__", "constructor", "prototype"]);

/** The pairs of a free-form map whose keys are plain text, reporting any other key. */
export function* textKeys(
  ctx: DecodeContext,
  node: YAMLMap,
  display: string,
): Generator<{ pair: Pair; keyNode: Scalar; key: string }> {
  for (const pair of node.items as Pair[]) {
    const keyNode = ctx.deref(pair.key, display);
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
      ctx.report(
        offsetOf(pair.key),
        display,
        "key.invalid",
        "map keys must be plain text",
        'write the key as plain text, quoted if needed, e.g. `"app.kubernetes.io/name": x`',
      );
      continue;
    }
    const key = String(keyNode.source ?? keyNode.value);
    if (reservedKeys.has(key)) {
      ctx.report(
        offsetOf(pair.key),
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

/** A `{value: x}` wrapper (StringValueOrRef): its value; any other key is reported. */
export function decodeValueOrRef(
  ctx: DecodeContext,
  node: unknown,
  field: DescField,
  canon: string,
  display: string,
): JsonValue | undefined {
  if (!isMap(node)) return undefined;
  let value: JsonValue | undefined;
  for (const pair of node.items as Pair[]) {
    const keyNode = ctx.deref(pair.key, display);
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    if (key === "value") {
      const entry = ctx.index.get(canon);
      if (entry !== undefined) entry.valueOffset = offsetOf(pair.value);
      value = decodeScalar(
        ctx,
        ctx.deref(pair.value, `${display}.value`),
        field.fieldKind === "scalar" ? field.scalar : ScalarType.STRING,
        `${display}.value`,
      );
    } else {
      ctx.report(
        offsetOf(pair.key),
        `${display}.${key}`,
        "key.unknown",
        `unknown field \`${key}\``,
        "only `value` is supported here (references to other resources are not)",
      );
    }
  }
  return value;
}

/** Free-form values (Helm values): any JSON, finite numbers only, bounded depth. */
export function decodeAny(
  ctx: DecodeContext,
  node: unknown,
  display: string,
  depth: number,
): JsonValue | undefined {
  node = ctx.deref(node, display);
  if (node === undefined) return null;
  if (depth > maxDepth) {
    ctx.report(
      offsetOf(node),
      display,
      "yaml.too_deep",
      `nested more than ${maxDepth} levels`,
      "flatten the values",
    );
    return undefined;
  }
  if (isMap(node)) {
    const out: JsonObject = {};
    for (const { pair, key } of textKeys(ctx, node, display)) {
      const v = decodeAny(ctx, pair.value, `${display}.${key}`, depth + 1);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (isSeq(node)) {
    const out: JsonValue[] = [];
    node.items.forEach((item, i) => {
      const v = decodeAny(ctx, item, `${display}[${i}]`, depth + 1);
      if (v !== undefined) out.push(v);
    });
    return out;
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "number" && !Number.isFinite(v)) {
      ctx.report(
        offsetOf(node),
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
