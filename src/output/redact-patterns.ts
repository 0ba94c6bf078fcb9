/**
 * Credentials recognisable by their shape or by the key that introduces them, whatever the known
 * secrets are (see `redact.ts` for the whole redaction rule).
 */

/** What every redacted credential is replaced with. */
export const SECRET_MARK = "[secret]";

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

/**
 * `-----BEGIN …-----` … `-----END …-----`, or an unterminated block up to the end of its body. An
 * unterminated block has a body: a line break (real or escaped) or 16 base64 characters right
 * after its header; words after a header (`-----BEGIN CERTIFICATE----- blocks`, as a hint says)
 * are prose, left alone with what follows them.
 */
const PEM =
  /-----BEGIN ([A-Z0-9 ]{1,64})-----(?:(?:(?!-----(?:BEGIN|END) )[\s\S])*-----END \1-----|(?=[ \t]*(?:\r?\n|\\[nr]|[A-Za-z0-9+/=]{16}))(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[nrt])*)/g;

/** A base64-encoded PEM block (`LS0tLS1CRUdJTi` is base64 of `-----BEGIN`). */
const PEM_BASE64 = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g;

/** YAML block scalar under a credential key: `password: |` and the more-indented lines after it. */
const BLOCK_SCALAR = new RegExp(
  `^([ \\t]*)((?:- )?["']?${KEY}["']?[ \\t]*:)[ \\t]*[|>][-+0-9]*[ \\t]*(?=\\r?\\n)(?:(?:\\r?\\n[ \\t]*)*\\r?\\n\\1[ \\t]+[^\\r\\n]*)*`,
  "gim",
);

/** URL userinfo: `scheme://user:pass@host`. */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/?#@"'<>\\[\]]+)@/gi;

/**
 * A user name and password without a scheme, as registries, gRPC targets and DSNs take them:
 * `bob:pass@registry.example.com/istio`, `bob:pass@istiod:15012`. Not inside a longer path
 * (`/istio/pilot:1.30@sha256:…`), and not an image digest (`pilot:1.30@sha256:…`).
 */
const BARE_USERINFO =
  /(?<![\w.~%+\-/:@\\])[A-Za-z0-9._~%+-]+:[^\s/?#@"'<>\\[\]]+@(?=[A-Za-z0-9[])(?!sha(?:256|384|512):)/g;

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
 * YAML block scalars, `key=value`), URL userinfo (with or without a scheme), `token=` query
 * parameters, `Authorization`
 * headers, bare `Bearer`/`Basic` credentials, JWTs and Pulumi access tokens. Text without any of
 * these comes back unchanged; empty, `null` and boolean values are left alone.
 */
export function redactPatterns(text: string): string {
  return text
    .replace(PEM, SECRET_MARK)
    .replace(PEM_BASE64, SECRET_MARK)
    .replace(BLOCK_SCALAR, (_m, indent: string, head: string) => `${indent}${head} ${SECRET_MARK}`)
    .replace(URL_USERINFO, `$1${SECRET_MARK}@`)
    .replace(BARE_USERINFO, `${SECRET_MARK}@`)
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
