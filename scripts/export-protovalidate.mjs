#!/usr/bin/env node
// Writes buf/validate/validate.proto out of the compiled descriptor that the
// @bufbuild/protovalidate npm package ships, so that buf can compile and lint our
// protos offline (the buf registry, where the file normally comes from, is not
// reachable on our machines). The output goes to an ignored folder; the upstream
// file is never committed. Usage: node scripts/export-protovalidate.mjs OUT_DIR
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRegistry, getExtension, hasExtension, isFieldSet } from "@bufbuild/protobuf";
import {
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
} from "@bufbuild/protobuf/wkt";
import { toText } from "@bufbuild/protobuf/txtpb";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

const file = file_buf_validate_validate;
const registry = createRegistry(file);
const extensions = [...registry].filter((d) => d.kind === "extension");

const scalarNames = {
  [FieldDescriptorProto_Type.DOUBLE]: "double",
  [FieldDescriptorProto_Type.FLOAT]: "float",
  [FieldDescriptorProto_Type.INT64]: "int64",
  [FieldDescriptorProto_Type.UINT64]: "uint64",
  [FieldDescriptorProto_Type.INT32]: "int32",
  [FieldDescriptorProto_Type.FIXED64]: "fixed64",
  [FieldDescriptorProto_Type.FIXED32]: "fixed32",
  [FieldDescriptorProto_Type.BOOL]: "bool",
  [FieldDescriptorProto_Type.STRING]: "string",
  [FieldDescriptorProto_Type.BYTES]: "bytes",
  [FieldDescriptorProto_Type.UINT32]: "uint32",
  [FieldDescriptorProto_Type.SFIXED32]: "sfixed32",
  [FieldDescriptorProto_Type.SFIXED64]: "sfixed64",
  [FieldDescriptorProto_Type.SINT32]: "sint32",
  [FieldDescriptorProto_Type.SINT64]: "sint64",
};

function quote(s) {
  return JSON.stringify(s);
}

/** Options that carry extensions of ours (the predefined CEL rules), printed as proto option syntax. */
function extensionOptions(options) {
  if (!options) return [];
  const out = [];
  for (const ext of extensions) {
    if (ext.extendee.typeName !== options.$typeName) continue;
    if (!hasExtension(options, ext)) continue;
    const value = getExtension(options, ext);
    if (ext.message) {
      const text = toText(ext.message, value, { registry }).trim().replace(/\n\s*/g, " ");
      out.push(`(${ext.typeName}) = { ${text} }`);
    } else {
      out.push(`(${ext.typeName}) = ${typeof value === "string" ? quote(value) : String(value)}`);
    }
  }
  return out;
}

/** True when the field belongs to a real (not synthetic proto3-optional) oneof. */
function inRealOneof(f) {
  return isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional;
}

function fieldType(f) {
  if (f.type === FieldDescriptorProto_Type.MESSAGE || f.type === FieldDescriptorProto_Type.ENUM) {
    return f.typeName; // fully qualified, with leading dot
  }
  return scalarNames[f.type];
}

function fieldLine(f, inOneof) {
  const parts = [];
  if (!inOneof) {
    if (f.label === FieldDescriptorProto_Label.REPEATED) parts.push("repeated");
    else if (f.label === FieldDescriptorProto_Label.REQUIRED) parts.push("required");
    else parts.push("optional");
  }
  parts.push(fieldType(f), f.name, "=", String(f.number));
  const opts = [];
  if (f.defaultValue !== undefined && f.defaultValue !== "") {
    opts.push(
      `default = ${f.type === FieldDescriptorProto_Type.STRING ? quote(f.defaultValue) : f.defaultValue}`,
    );
  }
  if (f.options?.deprecated) opts.push("deprecated = true");
  if (f.options?.packed !== undefined && f.options.packed !== false) opts.push("packed = true");
  opts.push(...extensionOptions(f.options));
  return `${parts.join(" ")}${opts.length ? ` [${opts.join(", ")}]` : ""};`;
}

function printEnum(e, indent) {
  const lines = [`${indent}enum ${e.name} {`];
  for (const v of e.value) lines.push(`${indent}  ${v.name} = ${v.number};`);
  lines.push(`${indent}}`);
  return lines;
}

function printMessage(m, indent) {
  const lines = [`${indent}message ${m.name} {`];
  const inner = `${indent}  `;
  for (const r of m.reservedRange) {
    lines.push(`${inner}reserved ${r.start}${r.end - 1 > r.start ? ` to ${r.end - 1}` : ""};`);
  }
  for (const n of m.reservedName) lines.push(`${inner}reserved ${quote(n)};`);
  for (const r of m.extensionRange) {
    lines.push(`${inner}extensions ${r.start} to ${r.end - 1 >= 536870911 ? "max" : r.end - 1};`);
  }
  for (const e of m.enumType) lines.push(...printEnum(e, inner));
  for (const n of m.nestedType) lines.push(...printMessage(n, inner));
  const oneofFields = new Map();
  for (const f of m.field) {
    if (inRealOneof(f)) {
      const list = oneofFields.get(f.oneofIndex) ?? [];
      list.push(f);
      oneofFields.set(f.oneofIndex, list);
    }
  }
  const printedOneofs = new Set();
  for (const f of m.field) {
    if (inRealOneof(f)) {
      if (printedOneofs.has(f.oneofIndex)) continue;
      printedOneofs.add(f.oneofIndex);
      lines.push(`${inner}oneof ${m.oneofDecl[f.oneofIndex].name} {`);
      for (const of of oneofFields.get(f.oneofIndex)) lines.push(`${inner}  ${fieldLine(of, true)}`);
      lines.push(`${inner}}`);
    } else {
      lines.push(`${inner}${fieldLine(f, false)}`);
    }
  }
  for (const x of m.extension) lines.push(...printExtend([x], inner));
  lines.push(`${indent}}`);
  return lines;
}

function printExtend(exts, indent) {
  const lines = [];
  for (const x of exts) {
    lines.push(`${indent}extend ${x.extendee} {`);
    lines.push(`${indent}  ${fieldLine(x, false)}`);
    lines.push(`${indent}}`);
  }
  return lines;
}

const p = file.proto;
const out = [
  "// Generated by scripts/export-protovalidate.mjs from the descriptor in @bufbuild/protovalidate.",
  "// Not committed; do not edit.",
  `syntax = ${quote(p.syntax || "proto2")};`,
  "",
  `package ${p.package};`,
  "",
  ...p.dependency.map((d) => `import ${quote(d)};`),
  "",
];
if (p.options?.goPackage) out.push(`option go_package = ${quote(p.options.goPackage)};`);
for (const e of p.enumType) out.push(...printEnum(e, ""));
for (const m of p.messageType) out.push(...printMessage(m, ""));
out.push(...printExtend(p.extension, ""));

const target = join(process.argv[2] ?? ".build/proto", p.name);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${out.join("\n")}\n`);
