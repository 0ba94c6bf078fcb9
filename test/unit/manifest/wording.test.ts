/**
 * Every `string.pattern` rule of the proto has words: a person reads what the field must look
 * like, never the regular expression itself (which protovalidate's own message prints).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DescMessage, getOption, hasOption } from "@bufbuild/protobuf";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { KubernetesIstioSchema } from "../../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { wordingFor } from "../../../src/manifest/hints.js";

/** Canonical paths (proto names, no indices) of the string fields that carry a pattern rule. */
function patternFields(message: DescMessage, prefix: string, seen = new Set<string>()): string[] {
  if (seen.has(message.typeName)) return [];
  seen.add(message.typeName);
  const out: string[] = [];
  for (const f of message.fields) {
    const path = prefix === "" ? f.name : `${prefix}.${f.name}`;
    if (f.message !== undefined) out.push(...patternFields(f.message, path, new Set(seen)));
    if (!hasOption(f, fieldRules)) continue;
    const rules = getOption(f, fieldRules);
    if (rules.type.case === "string" && rules.type.value.pattern) out.push(path);
  }
  return out;
}

describe("pattern rules have words", () => {
  const fields = patternFields(KubernetesIstioSchema, "");
  it("the proto has pattern rules to check", () => {
    assert.ok(fields.includes("spec.multi_cluster.remotes.server"), fields.join(", "));
  });
  for (const path of fields)
    it(path, () => {
      const w = wordingFor("string.pattern", path);
      assert.ok(w.message !== undefined && w.hint !== undefined, `no wording for a pattern at ${path}`);
    });
});
