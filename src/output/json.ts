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

/** One stack's outcome, as far as its JSON needs it. */
type StackOutcome<R> =
  | { member: Member; ok: true; result: R }
  | { member: Member; ok: false; error: unknown };
type Member = { file: string; settings: { stack: string } };

/** How a cluster command's result is written: its fields, and the forms they take. */
export interface StacksJsonForm<R> {
  fields: (r: R) => Record<string, unknown>;
  /** One manifest's document (default: `jsonResult` of its fields). */
  alone?: (r: R) => string;
  /** A manifest's entry among several (default: its file, `ok`, then its fields). */
  entry?: (r: R, member: Member) => unknown;
}

/**
 * The JSON of a cluster command: for one manifest, its result's own document; for several, one
 * `{"operation", "stacks": […]}` with an entry per manifest in the order given: its result, or
 * its file, stack and error.
 */
export function stacksJson<R>(
  operation: string,
  outcomes: StackOutcome<R>[],
  form: StacksJsonForm<R>,
): string {
  const [only] = outcomes;
  if (outcomes.length === 1 && only?.ok)
    return form.alone ? form.alone(only.result) : jsonResult(operation, form.fields(only.result));
  const entry = form.entry ?? ((r: R, m: Member) => ({ file: m.file, ok: true, ...form.fields(r) }));
  return jsonResult(operation, {
    stacks: outcomes.map((o) =>
      o.ok
        ? entry(o.result, o.member)
        : {
            file: o.member.file,
            stack: o.member.settings.stack,
            ok: false,
            error: o.error instanceof Error ? o.error.message : String(o.error),
          },
    ),
  });
}
