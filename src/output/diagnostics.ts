import type { Diagnostic } from "../manifest/diagnostic.js";
import type { Style } from "./style.js";

/**
 * Renders diagnostics like a compiler does:
 * `istio.yaml:12:3: error: spec.namespace: must be a DNS-1123 label [string.pattern]`
 * followed by `  hint: …`. One block per diagnostic, newline-terminated.
 */
export function renderDiagnostics(list: Diagnostic[], style: Style): string {
  return list
    .map((d) => {
      const sev =
        d.severity === "error" ? style.red(style.bold("error")) : style.yellow(style.bold("warning"));
      const where = style.bold(`${d.file}:${d.line}:${d.column}:`);
      const path = d.path === "" ? "" : `${d.path}: `;
      const head = `${where} ${sev}: ${path}${d.message} ${style.dim(`[${d.code}]`)}`;
      return d.hint === undefined ? `${head}\n` : `${head}\n  ${style.cyan("hint:")} ${d.hint}\n`;
    })
    .join("");
}

/** The JSON form of `validate -o json`: stable field order, one array for all files. */
export function diagnosticsToJson(list: Diagnostic[]): string {
  return `${JSON.stringify(
    list.map((d) => ({
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
  )}\n`;
}
