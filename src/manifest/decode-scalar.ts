import { ScalarType } from "@bufbuild/protobuf";
import { isMap, isScalar, isSeq, type Node } from "yaml";
import type { JsonValue, Reporter } from "./decode-types.js";

const int32Max = 2 ** 31 - 1;

/** Offset of a YAML node in the source. */
export function offsetOf(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

/** How a found value is named in messages (`a map`, `text`, `the number 3`, …). */
export function describe(node: unknown): string {
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

/** A scalar field's value as `fromJson` reads it for `type`, or a report of why it is not one. */
export function decodeScalar(
  ctx: Reporter,
  node: unknown,
  type: ScalarType,
  display: string,
): JsonValue | undefined {
  if (node === undefined) return undefined;
  if (!isScalar(node)) {
    ctx.report(
      offsetOf(node),
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
          ctx.report(
            offsetOf(node),
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
  ctx.report(
    offsetOf(node),
    display,
    "type.mismatch",
    `expected ${scalarWord(type)}, found ${describe(node)}`,
    scalarHint(type),
  );
  return undefined;
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
