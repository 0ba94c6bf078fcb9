import { createValidator, type Validator, type Violation } from "@bufbuild/protovalidate";
import { type KubernetesIstio, KubernetesIstioSchema } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { childPath, type NodeRef } from "./decode.js";
import { type Diagnostic, diagnostic, type Position } from "./diagnostic.js";
import { pointAtField, wordingFor } from "./hints.js";
import { canonicalPath, locatePath } from "./locate.js";

let validator: Validator | undefined;

const compiled = new Map<string, RegExp>();
/** Longest value a schema pattern is matched against; longer values never match. */
const maxPatternInput = 1024;

/**
 * Matches the proto's own `string.pattern` rules with the platform's RegExp. protovalidate's
 * default RE2 engine costs ~150 ms to start, half of `planton validate`'s budget; our patterns
 * are fixed, simple and valid in both dialects. Input length is capped so no pattern can
 * backtrack for long.
 */
function matchPattern(pattern: string, value: string): boolean {
  if (value.length > maxPatternInput) return false;
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, "u");
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Finds the second gateway that reuses a name, across ingress and egress lists. */
function duplicateGatewayPath(m: KubernetesIstio): string | undefined {
  const seen = new Set<string>();
  const lists = [
    ["spec.ingress_gateways", m.spec?.ingressGateways ?? []],
    ["spec.egress_gateways", m.spec?.egressGateways ?? []],
  ] as const;
  for (const [path, list] of lists) {
    for (const [i, g] of list.entries()) {
      if (seen.has(g.name)) return `${path}[${i}].name`;
      seen.add(g.name);
    }
  }
  return undefined;
}

/**
 * An empty required field (`string.min_len` 1) also fails its pattern: only "is required" is
 * worth saying, so the field's other violations are dropped.
 */
function withoutEchoesOfMissing(violations: Violation[]): Violation[] {
  const missing = new Set(
    violations.filter((v) => v.ruleId === "string.min_len").map((v) => canonicalPath(v.field)),
  );
  return violations.filter((v) => v.ruleId === "string.min_len" || !missing.has(canonicalPath(v.field)));
}

/**
 * Runs the proto's protovalidate rules (field rules and CEL rules) and turns each violation into
 * a diagnostic at the offending key, in the manifest's own spelling, with a hint.
 */
export function validateRules(
  message: KubernetesIstio,
  index: Map<string, NodeRef>,
  position: (offset: number | undefined) => Position,
): Diagnostic[] {
  validator ??= createValidator({ regexMatch: matchPattern });
  const result = validator.validate(KubernetesIstioSchema, message);
  if (result.kind === "valid") return [];
  if (result.kind === "error") {
    return [
      diagnostic(
        position(0),
        "",
        "validation.error",
        `could not be validated: ${result.error.message}`,
        "this is a bug in planton; please report it with the manifest",
      ),
    ];
  }
  return withoutEchoesOfMissing(result.violations).map((v) => {
    let path = canonicalPath(v.field);
    const point = pointAtField[v.ruleId];
    if (point !== undefined) path = childPath(path, point);
    if (v.ruleId === "spec.gateway_names_unique") path = duplicateGatewayPath(message) ?? path;
    const where = locatePath(index, path);
    const wording = wordingFor(v.ruleId, path);
    return diagnostic(
      position(where.offset),
      where.display,
      v.ruleId,
      wording.message ?? v.message,
      wording.hint ?? "run `planton schema` to see what this field accepts",
    );
  });
}
