/**
 * Redaction of everything planton prints: error messages and their causes, engine output, progress
 * lines. Pure functions, no I/O.
 *
 * Two mechanisms, applied in this order by `createRedactor`:
 *
 * 1. Patterns (`redactPatterns`), whatever the secrets are: credentials recognisable by their
 *    shape or by the key that introduces them — kubeconfig fields, URL userinfo, `token=` query
 *    parameters, `Authorization` headers, `Bearer`/`Basic` credentials, PEM blocks, JWTs.
 *
 * 2. Known secret values (`redactSecrets`): the passphrase, the access token, the kubeconfig's
 *    token, passwords and keys, passed in by the caller. The rule, which trades a guarantee for
 *    not damaging unrelated text:
 *
 *    - A secret of at least `MIN_SECRET_LENGTH` (8) characters is replaced wherever it occurs,
 *      even inside a longer word: a chance collision of 8 characters with unrelated text is
 *      rare, and the output is guaranteed never to contain it (the replacement is repeated until
 *      no occurrence is left, including occurrences formed by the marker and its neighbours).
 *    - A shorter secret is replaced only where it stands as a whole token: not preceded or
 *      followed by a letter, digit, mark, `_` or `-`. So the passphrase `x` leaves
 *      `preferredDuringSchedulingIgnoredDuringExecution` and `istio-x-gateway` alone but still
 *      hides `passphrase "x" is incorrect`. It may still show inside longer words, which is why
 *      `secretTooShort` tells the CLI to warn that it cannot be hidden reliably.
 *    - Besides the value itself, its JSON-escaped and URL-encoded forms are redacted (by the
 *      same rule), and so is the value without surrounding whitespace (a passphrase read from
 *      a file with its trailing newline). Secrets that are empty or only whitespace are ignored.
 *
 * Every redaction is replaced by `[secret]` (keys, quotes and URL structure are kept around it).
 * A secret that is literally `[secret]` cannot be hidden (it is the marker).
 *
 * Also re-exported here, for the same purpose of making output safe to print: `escapeControl`
 * (in `escape.ts`), which shows control characters and bidi overrides from users' files or the
 * cluster as visible escapes. The patterns are in `redact-patterns.ts`.
 */

import { redactPatterns, SECRET_MARK } from "./redact-patterns.js";

export { type EscapeOptions, escapeControl, hasControl, isControlChar } from "./escape.js";
export { redactPatterns, SECRET_MARK } from "./redact-patterns.js";

/** Secrets at least this long (in characters) are redacted wherever they occur. */
export const MIN_SECRET_LENGTH = 8;

/** Characters that continue a token: a short secret next to one is not redacted. */
const TOKEN_CHAR = "[\\p{L}\\p{N}\\p{M}_-]";

const escapeRegExp = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

const charLength = (s: string): number => [...s].length;

/**
 * True when a secret is too short to be hidden reliably: shorter than `MIN_SECRET_LENGTH`
 * characters (ignoring surrounding whitespace), so it is only redacted where it stands as a whole
 * token. Empty or missing secrets are not "too short": there is nothing to hide.
 */
export function secretTooShort(secret: string | undefined): boolean {
  if (secret === undefined || secret === "") return false;
  return charLength(secret.trim()) < MIN_SECRET_LENGTH;
}

/** The warning the CLI prints for a secret `secretTooShort` rejects, e.g. `the passphrase`. */
export function shortSecretWarning(what: string): string {
  return `${what} is shorter than ${MIN_SECRET_LENGTH} characters: it cannot be hidden reliably in output; use a longer one`;
}

/** The forms of a secret that may appear in output. */
function variants(secret: string): string[] {
  const out = new Set<string>();
  for (const s of [secret, secret.trim()]) {
    if (s.trim() === "") continue;
    out.add(s);
    out.add(JSON.stringify(s).slice(1, -1));
    try {
      out.add(encodeURIComponent(s));
    } catch {
      // a lone surrogate has no URL-encoded form
    }
  }
  return [...out];
}

/** Intervals [start, end) of the markers already in the text. */
function markers(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = text.indexOf(SECRET_MARK); i !== -1; i = text.indexOf(SECRET_MARK, i + SECRET_MARK.length))
    out.push([i, i + SECRET_MARK.length]);
  return out;
}

/**
 * One pass over the long secrets: every occurrence (overlapping ones too) is found, widened to
 * whole markers it touches, and each merged run is replaced by one marker. Returns the text
 * unchanged when nothing but an existing marker matched. Each changing pass lowers the number of
 * characters outside markers, or else the number of markers, so repeating it terminates.
 */
function longPass(text: string, long: string[]): string {
  const found: [number, number][] = [];
  for (const s of long)
    for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + 1)) found.push([i, i + s.length]);
  if (found.length === 0) return text;
  const marks = markers(text);
  const widened = found
    .map(([a, b]): [number, number] => {
      let start = a;
      let end = b;
      for (const [ma, mb] of marks)
        if (ma < b && a < mb) {
          start = Math.min(start, ma);
          end = Math.max(end, mb);
        }
      return [start, end];
    })
    .filter(([a, b]) => !marks.some(([ma, mb]) => ma === a && mb === b))
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  if (widened.length === 0) return text;
  let out = "";
  let at = 0;
  let cur: [number, number] | undefined;
  for (const iv of widened) {
    if (cur !== undefined && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
    else {
      if (cur !== undefined) {
        out += text.slice(at, cur[0]) + SECRET_MARK;
        at = cur[1];
      }
      cur = [iv[0], iv[1]];
    }
  }
  if (cur !== undefined) {
    out += text.slice(at, cur[0]) + SECRET_MARK;
    at = cur[1];
  }
  return out + text.slice(at);
}

/** Replaces short secrets standing as whole tokens, outside existing markers. */
function shortPass(text: string, short: RegExp | undefined): string {
  if (short === undefined) return text;
  return text
    .split(SECRET_MARK)
    .map((part) => part.replace(short, SECRET_MARK))
    .join(SECRET_MARK);
}

/** A prepared redactor of known secret values; see the rule at the top of this file. */
function secretRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const all = new Set<string>();
  for (const s of secrets) if (s !== undefined) for (const v of variants(s)) all.add(v);
  const long = [...all].filter((v) => charLength(v) >= MIN_SECRET_LENGTH);
  const short = [...all]
    .filter((v) => charLength(v) < MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const shortRe =
    short.length === 0
      ? undefined
      : new RegExp(`(?<!${TOKEN_CHAR})(?:${short.join("|")})(?!${TOKEN_CHAR})`, "gu");
  if (long.length === 0 && shortRe === undefined) return (text) => text;
  return (text) => {
    let out = text;
    for (;;) {
      for (let next = longPass(out, long); next !== out; next = longPass(out, long)) out = next;
      const next = shortPass(out, shortRe);
      if (next === out) return out;
      out = next;
    }
  };
}

/** Redacts the known secret values in `text` (see the rule at the top of this file). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return secretRedactor(secrets)(text);
}

/**
 * A redactor for everything printed: patterns first (they need the text's original structure),
 * then the known secret values, so the result never contains a secret of at least
 * `MIN_SECRET_LENGTH` characters. Undefined and empty secrets are ignored; prepare it once and
 * call it for every line.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = secretRedactor(secrets);
  return (text) => known(redactPatterns(text));
}
