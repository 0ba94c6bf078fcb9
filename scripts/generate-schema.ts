// Writes schema/kubernetes-istio.v1.json: a JSON Schema of the manifest for editors
// (yaml-language-server), generated from the proto descriptors with their comments and
// protovalidate rules. Input: the buf image that `npm run generate` builds.
// Usage: tsx scripts/generate-schema.ts IMAGE OUT
import { readFileSync, writeFileSync } from "node:fs";
import {
  createFileRegistry,
  type DescField,
  type DescMessage,
  fromBinary,
  getOption,
  hasOption,
  ScalarType,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { getComments } from "@bufbuild/protoplugin";
import {
  field as fieldRules,
  message as messageRules,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

type Schema = Record<string, unknown>;

const [image, out] = process.argv.slice(2);
if (image === undefined || out === undefined) throw new Error("usage: generate-schema IMAGE OUT");
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(image)));
const root = registry.getMessage("planton.kubernetes.istio.v1.KubernetesIstio");
if (root === undefined) throw new Error("KubernetesIstio not found in the image");

function describe(desc: DescField | DescMessage): string | undefined {
  const text = getComments(desc).leading?.trim();
  return text === undefined || text === "" ? undefined : text.replace(/\n /g, "\n");
}

function scalarSchema(type: ScalarType, f: DescField | undefined): Schema {
  const s: Schema = {};
  const rules = f !== undefined && hasOption(f, fieldRules) ? getOption(f, fieldRules) : undefined;
  switch (type) {
    case ScalarType.STRING: {
      s.type = "string";
      const r = rules?.type.case === "string" ? rules.type.value : undefined;
      if (r?.const) s.const = r.const;
      const allowed = (r?.in ?? []).filter((v) => v !== "");
      if (allowed.length > 0) s.enum = allowed;
      if (r?.pattern) s.pattern = r.pattern;
      if (r?.maxLen) s.maxLength = Number(r.maxLen);
      if (r?.minLen) s.minLength = Number(r.minLen);
      if (r?.notIn.length) s.not = { enum: r.notIn };
      break;
    }
    case ScalarType.BOOL:
      s.type = "boolean";
      break;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      s.type = "number";
      const r = rules?.type.case === "double" ? rules.type.value : undefined;
      if (r?.greaterThan.case === "gte") s.minimum = r.greaterThan.value;
      if (r?.lessThan.case === "lte") s.maximum = r.lessThan.value;
      break;
    }
    default: {
      s.type = "integer";
      const r = rules?.type.case === "int32" ? rules.type.value : undefined;
      if (r?.greaterThan.case === "gte") s.minimum = r.greaterThan.value;
      if (r?.lessThan.case === "lte") s.maximum = r.lessThan.value;
    }
  }
  return s;
}

// Fields that also take Project Planton's `{value: x}` form.
const valueOrRef = new Set(["planton.kubernetes.istio.v1.KubernetesIstioSpec.namespace"]);

function fieldSchema(f: DescField): Schema {
  let s: Schema;
  switch (f.fieldKind) {
    case "scalar":
      s = scalarSchema(f.scalar, f);
      if (valueOrRef.has(`${f.parent.typeName}.${f.name}`)) {
        s = {
          anyOf: [
            s,
            { type: "object", properties: { value: s }, required: ["value"], additionalProperties: false },
          ],
        };
      }
      break;
    case "enum":
      s = { type: "string" };
      break;
    case "message":
      s = messageSchema(f.message);
      break;
    case "list":
      s = {
        type: "array",
        items:
          f.listKind === "message"
            ? messageSchema(f.message)
            : f.listKind === "scalar"
              ? scalarSchema(f.scalar, undefined)
              : { type: "string" },
      };
      if (f.listKind === "scalar" && hasOption(f, fieldRules)) {
        const r = getOption(f, fieldRules);
        if (r.type.case === "repeated" && r.type.value.items?.type.case === "string") {
          const item = r.type.value.items.type.value;
          s.items = {
            type: "string",
            ...(item.pattern ? { pattern: item.pattern } : {}),
            ...(item.minLen ? { minLength: Number(item.minLen) } : {}),
          };
        }
      }
      break;
    case "map":
      s = {
        type: "object",
        additionalProperties: f.mapKind === "message" ? messageSchema(f.message) : { type: "string" },
      };
      break;
  }
  const d = describe(f);
  return d === undefined ? s : { ...s, description: d, markdownDescription: d };
}

function messageSchema(m: DescMessage): Schema {
  if (m.typeName === "google.protobuf.Struct") return { type: "object", additionalProperties: true };
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const f of m.fields) {
    const s = fieldSchema(f);
    properties[f.jsonName] = s;
    if (f.name !== f.jsonName) {
      properties[f.name] = {
        ...s,
        description: `Project Planton spelling of \`${f.jsonName}\`. ${s.description ?? ""}`.trim(),
      };
    }
    const rules = hasOption(f, fieldRules) ? getOption(f, fieldRules) : undefined;
    if (rules?.required || (rules?.type.case === "string" && rules.type.value.const))
      required.push(f.jsonName);
  }
  const s: Schema = { type: "object", additionalProperties: false, properties };
  const d = describe(m);
  if (d !== undefined) s.description = d;
  if (required.length > 0) s.required = required;
  if (hasOption(m, messageRules)) {
    const notes = getOption(m, messageRules).cel.map((r) => `- ${r.message}`);
    if (notes.length > 0) s.description = `${s.description ?? ""}\n\nRules:\n${notes.join("\n")}`.trim();
  }
  return s;
}

const schema: Schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://planton.dev/schema/kubernetes-istio.v1.json",
  title: "KubernetesIstio",
  ...messageSchema(root),
};
// status is written by planton, never by people: keep it out of editors' completion
delete (schema.properties as Record<string, unknown>).status;
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
