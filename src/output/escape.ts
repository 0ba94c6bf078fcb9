/**
 * Making text from users' files or the cluster safe to print: `escapeControl` shows control
 * characters and bidi overrides as visible escapes. Re-exported from `redact.ts`.
 */

/**
 * True for the characters that must not reach a terminal raw: C0 controls (ESC, BEL, `\r`, …),
 * DEL, C1 controls (U+0080–U+009F, e.g. CSI), the bidirectional embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), the direction marks (U+200E, U+200F, U+061C) and the
 * line and paragraph separators (U+2028, U+2029).
 */
export function isControlChar(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x061c ||
    code === 0x2028 ||
    code === 0x2029
  );
}

/** Which whitespace controls `escapeControl` leaves as they are. */
export interface EscapeOptions {
  /** Keep `\n` (and `\r\n`): for multi-line text such as engine output. Default: escaped. */
  keepNewlines?: boolean;
  /** Keep `\t`. Default: escaped. */
  keepTabs?: boolean;
}

/**
 * Makes text from users or the cluster safe to print on a terminal: every character
 * `isControlChar` accepts is written as a visible escape — `\n`, `\r`, `\t`, or `\u001b`-style
 * (lowercase hex) — so a key or a message cannot move the cursor, change colours, hide text or
 * reorder it. Backslashes are left alone (paths on Windows stay readable). The escapes are
 * JSON's, so escaping the text of a JSON document (with `keepNewlines`) leaves the same JSON.
 */
export function escapeControl(text: string, options: EscapeOptions = {}): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControlChar(code)) continue;
    if (
      options.keepNewlines === true &&
      (code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) === 0x0a))
    )
      continue;
    if (options.keepTabs === true && code === 0x09) continue;
    const escaped =
      code === 0x0a
        ? "\\n"
        : code === 0x0d
          ? "\\r"
          : code === 0x09
            ? "\\t"
            : `\\u${code.toString(16).padStart(4, "0")}`;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** True when `escapeControl` with these options would change the text. */
export function hasControl(text: string, options: EscapeOptions = {}): boolean {
  return escapeControl(text, options) !== text;
}
