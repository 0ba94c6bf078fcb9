/** One problem found in a manifest, as plain data; `output/diagnostics.ts` renders it. */
export interface Diagnostic {
  severity: "error" | "warning";
  /** Stable code: a protovalidate rule id (`string.pattern`), or one of ours (`yaml.syntax`, `key.unknown`, …). */
  code: string;
  message: string;
  /** Field path in the manifest's own spelling, e.g. `spec.controlPlane.replicas`; empty for the whole file. */
  path: string;
  file: string;
  line: number;
  column: number;
  hint?: string;
}

/** Where a diagnostic points. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/** Orders diagnostics by file, then position, then path, so output is stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path) ||
      a.code.localeCompare(b.code),
  );
}
