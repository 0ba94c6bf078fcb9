import { dirname, resolve } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import {
  type KubernetesIstio,
  KubernetesIstioSchema,
  type KubernetesIstioValid,
} from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { resolveDefaults } from "../istio/defaults.js";
import { decodeDocument } from "./decode.js";
import { type Diagnostic, diagnostic, positionIn, sortDiagnostics } from "./diagnostic.js";
import { applyOverride, parseOverride, redactUserinfo } from "./overrides.js";
import { parseManifestYaml } from "./parse.js";
import { resolveCaPaths } from "./ca.js";
import { resolveRemotePaths } from "./multicluster.js";
import type { NodeRef } from "./decode.js";
import type { Position } from "./diagnostic.js";
import { checkSemantics, resolveChartDirectory } from "./semantic.js";
import { type ReadStdin, readManifestSource } from "./source.js";
import { validateRules } from "./validate.js";

/** What to load: a path (or `-` for standard input) and `--set` overrides. */
export interface LoadOptions {
  file: string;
  overrides?: string[];
  /** Standard input, read for the path `-` (default: this process's). */
  readStdin?: ReadStdin;
  /** The directory relative paths (the file, a local chart directory) are resolved against; default: the process's. */
  cwd?: string;
}

/**
 * Where a loaded manifest's fields are in its file: the index of canonical paths to YAML nodes
 * and the position of a source offset. Checks across manifests (mesh-set.ts) point with it.
 */
export interface ManifestSource {
  index: Map<string, NodeRef>;
  position: (offset: number | undefined) => Position;
}

/** A valid manifest with every default resolved, or every problem found in it. */
export type LoadResult =
  | {
      kind: "ok";
      manifest: KubernetesIstioValid;
      file: string;
      manifestDir: string;
      warnings: Diagnostic[];
      source: ManifestSource;
    }
  | { kind: "invalid"; diagnostics: Diagnostic[] };

const norm = (s: string) => s.replace(/_/g, "").toLowerCase();

/** True when `path` is `prefix` or lies below it. */
function under(path: string, prefix: string): boolean {
  const p = norm(path);
  const q = norm(prefix);
  return p === q || p.startsWith(`${q}.`) || p.startsWith(`${q}[`);
}

/**
 * Loads a manifest: reads it, parses YAML keeping positions, applies `--set` overrides, accepts
 * Project Planton's spelling, decodes it into the generated type, validates it (protovalidate
 * rules, then the semantic checks) and resolves defaults. Every problem, in any step, is a
 * diagnostic with file, line, column and field path; all of them are reported in one run,
 * sorted by position. Throws only `UsageError` for a malformed `--set`.
 */
export function loadManifest(options: LoadOptions): LoadResult {
  const overrides = (options.overrides ?? []).map(parseOverride);
  const cwd = options.cwd ?? process.cwd();
  const source = readManifestSource(options.file, { cwd, readStdin: options.readStdin });
  if (source.kind === "invalid") return { kind: "invalid", diagnostics: [source.diagnostic] };
  const parsed = parseManifestYaml(source.text, source.file);
  if (parsed.kind === "invalid") return { kind: "invalid", diagnostics: sortDiagnostics(parsed.diagnostics) };
  const { doc, lines } = parsed;
  for (const o of overrides) applyOverride(doc, o);

  const position = (offset: number | undefined) => positionIn(lines, source.file, offset);
  const manifestDir = options.file === "-" ? cwd : dirname(resolve(cwd, options.file));
  const decoded = decodeDocument(doc, lines, source.file, KubernetesIstioSchema);
  const diagnostics = [...decoded.diagnostics];
  // a problem with the document as a whole (not a map, alias bomb) makes field checks noise
  if (diagnostics.some((d) => d.path === ""))
    return { kind: "invalid", diagnostics: sortDiagnostics(diagnostics.filter((d) => d.path === "")) };

  let message: KubernetesIstio | undefined;
  try {
    message = fromJson(KubernetesIstioSchema, decoded.json);
  } catch (err) {
    // decodeDocument reports everything fromJson would reject; this is a safety net
    diagnostics.push(
      diagnostic(
        position(0),
        "",
        "decode.error",
        `cannot be read: ${(err as Error).message}`,
        "run `planton schema` for the expected shape",
      ),
    );
  }
  if (message !== undefined) {
    const badPaths = decoded.diagnostics.map((d) => d.path);
    const later = [
      ...validateRules(message, decoded.index, position),
      ...checkSemantics(message, decoded.index, position, manifestDir),
    ].filter((d) => !badPaths.some((p) => p !== "" && under(d.path, p)));
    diagnostics.push(...later);
  }

  for (const d of diagnostics) {
    // at a field an override set, or (no position: the node is new) at a parent it created
    const created = d.line === 1 && d.column === 1 && d.path !== "";
    const o = overrides.find((x) => under(d.path, x.display) || (created && under(x.display, d.path)));
    if (o !== undefined) {
      d.file = `--set ${redactUserinfo(o.arg)}`;
      d.line = 1;
      d.column = o.display.length + 2;
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  if (message === undefined || sorted.some((d) => d.severity === "error"))
    return { kind: "invalid", diagnostics: sorted };
  const valid = message as KubernetesIstioValid;
  resolveDefaults(valid, {
    ingressGateways: decoded.index.has("spec.ingress_gateways"),
    egressGateways: decoded.index.has("spec.egress_gateways"),
  });
  const charts = valid.spec.charts;
  if (charts !== undefined && !charts.repository.includes("://")) {
    charts.repository = resolveChartDirectory(charts.repository, manifestDir);
  }
  resolveCaPaths(valid.spec, manifestDir);
  resolveRemotePaths(valid.spec, manifestDir);
  return {
    kind: "ok",
    manifest: valid,
    file: source.file,
    manifestDir,
    warnings: sorted,
    source: { index: decoded.index, position },
  };
}
