/**
 * The one JSON document a command prints on standard output with `--json` / `-o json`:
 * `{"operation": "<verb>", "stack": …, …fields}`, two-space indented, newline-terminated.
 */
export function jsonResult(operation: string, fields: Record<string, unknown>): string {
  return `${JSON.stringify({ operation, ...fields }, null, 2)}\n`;
}

/** A plain JSON document (no envelope), as `outputs -o json` prints the stack outputs. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
