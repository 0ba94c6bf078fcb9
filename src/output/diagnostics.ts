import type { Diagnostic } from "../manifest/diagnostic.js";
import { escapeControl, redactPatterns } from "./redact.js";
import type { Style } from "./style.js";

/**
 * A diagnostic safe to print in any format: each field on its own through the same pattern
 * redaction standard error gets (a PEM block or a Bearer token given through `--set` is in the
 * `file` field), so one field's text can never swallow the next one's.
 */
export function redactDiagnostic(d: Diagnostic): Diagnostic {
  return {
    ...d,
    file: redactPatterns(d.file),
    path: redactPatterns(d.path),
    message: redactPatterns(d.message),
    ...(d.hint === undefined ? {} : { hint: redactPatterns(d.hint) }),
  };
}

/**
 * Renders diagnostics like a compiler does:
 * `istio.yaml:12:3: error: spec.namespace: must be a DNS-1123 label [string.pattern]`
 * followed by `  hint: …`. One block per diagnostic, newline-terminated. File names, paths,
 * messages and hints come from the user's file, so their control characters (ESC, `\r`, bidi
 * overrides, …) are shown escaped (`\u001b`) rather than sent to the terminal; credentials are
 * redacted field by field (`redactDiagnostic`).
 */
export function renderDiagnostics(list: Diagnostic[], style: Style): string {
  return list
    .map(redactDiagnostic)
    .map((d) => {
      const sev =
        d.severity === "error" ? style.red(style.bold("error")) : style.yellow(style.bold("warning"));
      const where = style.bold(`${escapeControl(d.file)}:${d.line}:${d.column}:`);
      const path = d.path === "" ? "" : `${escapeControl(d.path)}: `;
      const head = `${where} ${sev}: ${path}${escapeControl(d.message)} ${style.dim(`[${escapeControl(d.code)}]`)}`;
      return d.hint === undefined
        ? `${head}\n`
        : `${head}\n  ${style.cyan("hint:")} ${escapeControl(d.hint)}\n`;
    })
    .join("");
}

/**
 * The JSON form of `validate -o json`: stable field order, one array for all files, each
 * diagnostic redacted as on standard error (`redactDiagnostic`). JSON already
 * escapes C0 controls; C1 controls and bidi overrides are escaped too, so the document is safe to
 * print and parses to the same values.
 */
export function diagnosticsToJson(list: Diagnostic[]): string {
  const json = JSON.stringify(
    list.map(redactDiagnostic).map((d) => ({
      severity: d.severity,
      code: d.code,
      file: d.file,
      line: d.line,
      column: d.column,
      path: d.path,
      message: d.message,
      ...(d.hint === undefined ? {} : { hint: d.hint }),
    })),
    null,
    2,
  );
  return `${escapeControl(json, { keepNewlines: true })}\n`;
}
