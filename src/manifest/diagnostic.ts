import type { LineCounter } from "yaml";

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

/**
 * The one way to build a diagnostic: where it points, the field path (empty for the whole
 * file), a stable code, what is wrong and how to fix it.
 */
export function diagnostic(
  at: Position,
  path: string,
  code: string,
  message: string,
  hint: string,
  severity: Diagnostic["severity"] = "error",
): Diagnostic {
  return { severity, code, message, path, file: at.file, line: at.line, column: at.column, hint };
}

/** The position of a source offset (line 1, column 1 when unknown). */
export function positionIn(lines: LineCounter, file: string, offset: number | undefined): Position {
  const p = lines.linePos(offset ?? 0);
  return { file, line: p.line, column: p.col };
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
