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
 * Also here, for the same purpose of making output safe to print: `escapeControl`, which shows
 * control characters and bidi overrides from users' files or the cluster as visible escapes.
 */

/** What every redacted credential is replaced with. */
export const SECRET_MARK = "[secret]";

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

// ---------------------------------------------------------------------------------------------
// Patterns

/** Key names whose value is a credential (case-insensitive; `-`, `_` or nothing between words). */
const KEY_NAMES = [
  "(?:client[-_]?)?key[-_]?data",
  "(?:client[-_]?)?cert(?:ificate)?[-_]?data",
  "(?:certificate[-_]?authority|ca)[-_]?data",
  "(?:id|refresh|access|auth|bearer|session)[-_]?token",
  "token",
  "client[-_]?secret",
  "secret[-_]?access[-_]?key",
  "private[-_]?key",
  "api[-_]?key",
  "password",
  "passwd",
  "passphrase",
];
/** A credential key, possibly with a prefix (`idp-certificate-authority-data`, `GITHUB_TOKEN`),
 *  not inside a longer name (`serviceAccountToken`, `my-token-name` are not keys). */
const KEY = `(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]-)(?:[A-Za-z0-9]+[-_])*(?:${KEY_NAMES.join("|")})`;

/** Values that are not secrets: left alone so ordinary YAML and JSON come through unchanged. */
const EMPTY_VALUES = new Set(["", "null", "~", "true", "false", "none", "<nil>", "nil", SECRET_MARK]);

/** `-----BEGIN …-----` … `-----END …-----`, or an unterminated block up to the end of its body. */
const PEM =
  /-----BEGIN ([A-Z0-9 ]{1,64})-----(?:(?:(?!-----(?:BEGIN|END) )[\s\S])*-----END \1-----|(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[nrt])*)/g;

/** A base64-encoded PEM block (`LS0tLS1CRUdJTi` is base64 of `-----BEGIN`). */
const PEM_BASE64 = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g;

/** YAML block scalar under a credential key: `password: |` and the more-indented lines after it. */
const BLOCK_SCALAR = new RegExp(
  `^([ \\t]*)((?:- )?["']?${KEY}["']?[ \\t]*:)[ \\t]*[|>][-+0-9]*[ \\t]*(?=\\r?\\n)(?:(?:\\r?\\n[ \\t]*)*\\r?\\n\\1[ \\t]+[^\\r\\n]*)*`,
  "gim",
);

/** URL userinfo: `scheme://user:pass@host`. */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/?#@"'<>\\[\]]+)@/gi;

/** A query or form parameter: `?token=…&`, `&password=…`. */
const QUERY_PARAM = new RegExp(`(?<=[?&;])(${KEY})=([^&#\\s"'<>\\\\]+)`, "gi");

/** `Authorization: Bearer …`, `"authorization": "Basic …"`, Go's `Authorization:[Bearer …]`. */
const AUTHORIZATION =
  /((?<![\w-])(?:proxy-)?authorization\\?["']?[ \t]*[:=][ \t]*\\?["']?(?!\[secret\])\[?)(?!\[|(?:[A-Za-z][\w-]*[ \t]+)?\[secret\])(?:([A-Za-z][\w-]*)[ \t]+(?=[^\s"'\\\]]))?([^\s"'\\\]]+)/gi;

/** A bare `Bearer …` or `Basic …` credential. */
const AUTH_SCHEME = /(?<![\w-])(bearer|basic)([ \t]+)([A-Za-z0-9\-._~+/]+=*)(?![\w\-.~+/=])/gi;

/** `key: value`, `"key": "value"`, `key=value`, `--key=value`, also inside JSON strings. */
const KEY_VALUE = new RegExp(
  [
    `(\\\\?["']?)(${KEY})\\1([ \\t]*[:=][ \\t]*)`,
    "(?:",
    `"((?:[^"\\\\\\n]|\\\\.){0,16384})"`,
    `|\\\\"((?:[^"\\\\]|\\\\(?!")){0,16384})\\\\"`,
    `|'((?:[^'\\n]|''){0,16384})'`,
    `|((?!\\[secret\\]|\\{|[|>][-+0-9]*[ \\t]*(?:\\r?\\n|$))(?:[^\\s\\\\]|\\\\(?![nrt"]))+?)(?=["',;)\\]}]*(?:\\s|$|\\\\[nrt"]))`,
    ")",
  ].join(""),
  "gi",
);

/** What may precede an unquoted `key:` for it to be a mapping key (see `redactPatterns`). */
const STRUCTURAL = /(?:^|[{[(,;]|:[ \t])[ \t]*(?:- )*$/;

/** A JSON Web Token. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** A Pulumi access token. */
const PULUMI_TOKEN = /\bpul-[0-9a-f]{40}\b/g;

/** A `Bearer`/`Basic` word followed by what looks like a credential rather than prose. */
function looksLikeCredential(v: string): boolean {
  if (v.length < 8) return false;
  return /[0-9\-._~+/=]/.test(v) || (/[A-Z]/.test(v.slice(1)) && /[a-z]/.test(v));
}

/**
 * Redacts credentials recognisable by their shape or key, whatever the known secrets are:
 * PEM blocks (and base64-encoded ones), kubeconfig fields (`client-key-data`, `token`, `password`,
 * `id-token`, `refresh-token`, `client-secret`, … as YAML `key: value`, JSON `"key": "value"`,
 * YAML block scalars, `key=value`), URL userinfo, `token=` query parameters, `Authorization`
 * headers, bare `Bearer`/`Basic` credentials, JWTs and Pulumi access tokens. Text without any of
 * these comes back unchanged; empty, `null` and boolean values are left alone.
 */
export function redactPatterns(text: string): string {
  return text
    .replace(PEM, SECRET_MARK)
    .replace(PEM_BASE64, SECRET_MARK)
    .replace(BLOCK_SCALAR, (_m, indent: string, head: string) => `${indent}${head} ${SECRET_MARK}`)
    .replace(URL_USERINFO, `$1${SECRET_MARK}@`)
    .replace(QUERY_PARAM, `$1=${SECRET_MARK}`)
    .replace(AUTHORIZATION, (_m, head: string, scheme: string | undefined) =>
      scheme === undefined ? `${head}${SECRET_MARK}` : `${head}${scheme} ${SECRET_MARK}`,
    )
    .replace(AUTH_SCHEME, (m, scheme: string, space: string, value: string) =>
      looksLikeCredential(value) ? `${scheme}${space}${SECRET_MARK}` : m,
    )
    .replace(KEY_VALUE, (m: string, ...args: unknown[]) => {
      const [quote, key, sep, dq, edq, sq, bare, offset, whole] = args as [
        string,
        string,
        string,
        string | undefined,
        string | undefined,
        string | undefined,
        string | undefined,
        number,
        string,
      ];
      const value = dq ?? edq ?? sq ?? bare ?? "";
      if (EMPTY_VALUES.has(value.toLowerCase())) return m;
      const head = `${quote}${key}${quote}${sep}`;
      if (dq !== undefined) return `${head}"${SECRET_MARK}"`;
      if (edq !== undefined) return `${head}\\"${SECRET_MARK}\\"`;
      if (sq !== undefined) return `${head}'${SECRET_MARK}'`;
      // `token: value` unquoted is only a key where a mapping key can start: at the start of a
      // line (after indentation or `- `), after `{`, `[`, `(`, `,` or `;`, or after another
      // `label: ` (`error: token: …`, as engines nest their messages). Prose such as
      // `cannot fetch token: 400 Bad Request` is left alone.
      if (quote === "" && sep.includes(":")) {
        const lineStart = whole.lastIndexOf("\n", offset - 1) + 1;
        if (!STRUCTURAL.test(whole.slice(Math.max(lineStart, offset - 200), offset))) return m;
      }
      return `${head}${SECRET_MARK}`;
    })
    .replace(JWT, SECRET_MARK)
    .replace(PULUMI_TOKEN, SECRET_MARK);
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

// ---------------------------------------------------------------------------------------------
// Control characters

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
