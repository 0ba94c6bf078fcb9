import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { planToYaml, valuesToYaml } from "../../../src/output/plan.js";
import {
  createRedactor,
  MIN_SECRET_LENGTH,
  redactPatterns,
  redactSecrets,
  SECRET_MARK,
  secretTooShort,
  shortSecretWarning,
} from "../../../src/output/redact.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { root } from "../../helpers/paths.js";

/** Realistic Helm, Kubernetes and Pulumi failures without any credential in them. */
const realisticErrors = [
  `Error: INSTALLATION FAILED: Unable to continue with install: ServiceAccount "istiod" in namespace "istio-system" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "istiod"; annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "istio-system"`,
  `kubernetes:helm.sh/v3:Release (istiod):
    error: 1 error occurred:
    \t* Helm release "istio-system/istiod" failed to initialize completely. Use Helm CLI to investigate.: failed to become available within allocated timeout. Error: Helm Release istio-system/istiod: context deadline exceeded
  error: Preview failed: failed to read kubeconfig: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable`,
  `Get "https://127.0.0.1:6443/api/v1/namespaces/istio-system?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection refused`,
  `Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "cluster.local")`,
  `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.`,
  `Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "istio-proxy" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "istio-init" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "istio-init" must set securityContext.runAsNonRoot=true)`,
  `error: failed to decrypt encrypted configuration value 'kubernetes:kubeconfig': incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase or set PULUMI_CONFIG_PASSPHRASE_FILE to a file containing the passphrase`,
  `error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  file://~/.pulumi/locks/organization/planton/dev/1b3c.json: created by alice@build-host (pid 1234) at 2024-01-01T00:00:00Z`,
  `Unable to connect to the server: getting credentials: exec: executable gke-gcloud-auth-plugin not found; error: You must be logged in to the server (the server has asked for the client to provide credentials)`,
  `oauth2: cannot fetch token: 400 Bad Request; failed to refresh token: invalid_grant; the bearer token was rejected; use Basic authentication or a Bearer token`,
  `spec.targetCluster.token: unknown field; spec.password: must be a string`,
  `error: resource mapping not found for name: "default" namespace: "istio-system" from "": no matches for kind "PeerAuthentication" in version "security.istio.io/v1" ensure CRDs are installed first`,
  `admission webhook "validation.istio.io" denied the request: configuration is invalid: port name "http-0" and containerPort 8080 conflict; sidecar.istio.io/inject: "false"; preferredDuringSchedulingIgnoredDuringExecution`,
  `Error: UPGRADE FAILED: cannot patch "istio-ingressgateway" with kind Deployment: Deployment.apps "istio-ingressgateway" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"istio-ingressgateway", "istio":"ingressgateway"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
  `pulling oci://docker.io/istio/charts/istiod:1.29.6 from https://gcr.io/istio-release/charts failed: GET https://index.docker.io/v2/istio/pilot/manifests/sha256:0123456789abcdef: unexpected status code 404 Not Found`,
];

/** Every golden plan, as JSON and as YAML, and each of its values files. */
function goldenPlans(): [string, string][] {
  const dir = join(root, "test", "golden", "plan");
  const out: [string, string][] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    const text = readFileSync(join(dir, f), "utf8");
    const plan = JSON.parse(text) as InstallPlan;
    out.push([f, text], [`${f} as YAML`, planToYaml(plan)]);
    for (const r of plan.releases) out.push([`${f} ${r.name} values`, valuesToYaml(r.values)]);
  }
  return out;
}

/** Known secrets in the tests: long enough, and ones that are too short. */
const passphrase = "correct-horse-battery";
const accessToken = "pul-0123456789abcdef0123456789abcdef01234567";

describe("redaction of known secrets", () => {
  it("a long secret is replaced wherever it occurs, also inside a word", () => {
    const r = createRedactor([passphrase, undefined, ""]);
    assert.equal(r(`passphrase ${passphrase} rejected`), `passphrase ${SECRET_MARK} rejected`);
    assert.equal(r(`x${passphrase}y`), `x${SECRET_MARK}y`);
    assert.equal(r(`${passphrase}${passphrase}`), SECRET_MARK);
  });

  it("a short secret is replaced only where it stands as a whole token", () => {
    const r = createRedactor(["x", "hunter2"]);
    const affinity = "preferredDuringSchedulingIgnoredDuringExecution: 0x1F istio-x-gateway x_y";
    assert.equal(r(affinity), affinity);
    assert.equal(r(`passphrase "x" is incorrect`), `passphrase "${SECRET_MARK}" is incorrect`);
    assert.equal(r("x"), SECRET_MARK);
    assert.equal(r("pw=hunter2, again: hunter2."), `pw=${SECRET_MARK}, again: ${SECRET_MARK}.`);
    assert.equal(r("hunter22 xhunter2"), "hunter22 xhunter2");
  });

  it("short secrets never damage the markers", () => {
    const r = createRedactor(["secret", accessToken]);
    assert.equal(r(`${accessToken} secret`), `${SECRET_MARK} ${SECRET_MARK}`);
    assert.equal(r(SECRET_MARK), SECRET_MARK);
  });

  it("JSON-escaped, URL-encoded and trimmed forms are redacted too", () => {
    const tricky = 'p"a\\ss w/rd&1';
    const r = createRedactor([tricky, "  padded-secret-value\n"]);
    assert.equal(r(JSON.stringify({ p: tricky })), `{"p":"${SECRET_MARK}"}`);
    assert.equal(r(`?q=${encodeURIComponent(tricky)}`), `?q=${SECRET_MARK}`);
    assert.equal(r("value padded-secret-value."), `value ${SECRET_MARK}.`);
  });

  it("the marker and its neighbours never spell a secret", () => {
    for (const secret of ["ecret]ab", "ret][sec", "[secret]x", "t]t]t]t]"]) {
      for (const text of [`${secret}ab`, `[secret]${secret}`, `${secret}${secret}`, `[sec${secret}ret]`]) {
        const out = redactSecrets(text, [secret]);
        assert.ok(!out.includes(secret), `${JSON.stringify(text)} → ${JSON.stringify(out)}`);
      }
    }
  });

  it("secrets that are only whitespace are ignored", () => {
    assert.equal(redactSecrets("a  b\n", ["  ", "\n", "        "]), "a  b\n");
  });

  it("tells which secrets are too short to hide, and says so", () => {
    assert.equal(MIN_SECRET_LENGTH, 8);
    assert.equal(secretTooShort(undefined), false);
    assert.equal(secretTooShort(""), false);
    assert.equal(secretTooShort("x"), true);
    assert.equal(secretTooShort("1234567"), true);
    assert.equal(secretTooShort("1234567\n"), true);
    assert.equal(secretTooShort("12345678"), false);
    assert.equal(secretTooShort("🔑🔑🔑🔑🔑🔑🔑"), true);
    assert.equal(
      shortSecretWarning("the passphrase"),
      "the passphrase is shorter than 8 characters: it cannot be hidden reliably in output; use a longer one",
    );
  });
});

describe("redaction by pattern", () => {
  const cases: [string, string, string][] = [
    [
      "kubeconfig user (YAML)",
      `users:
- name: admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF
    token: abc.def-123
    password: 's3cr3t pass'
    username: admin
clusters:
- cluster:
    certificate-authority-data: QUJDREVGRw==
    server: https://127.0.0.1:6443`,
      `users:
- name: admin
  user:
    client-certificate-data: [secret]
    client-key-data: [secret]
    token: [secret]
    password: '[secret]'
    username: admin
clusters:
- cluster:
    certificate-authority-data: [secret]
    server: https://127.0.0.1:6443`,
    ],
    [
      "auth-provider config",
      `    auth-provider:
      config:
        id-token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln
        refresh-token: "1//0gabc"
        access-token: ya29.a0AfH6
        client-secret: qq
        idp-certificate-authority-data: QUJD
        idp-issuer-url: https://accounts.example.com
      name: oidc`,
      `    auth-provider:
      config:
        id-token: [secret]
        refresh-token: "[secret]"
        access-token: [secret]
        client-secret: [secret]
        idp-certificate-authority-data: [secret]
        idp-issuer-url: https://accounts.example.com
      name: oidc`,
    ],
    [
      "JSON, any case",
      `{"Token":"abc","password": "p\\"w","x":1, "Client-Key-Data": "AAAA", "keyData": "QUJD", "name": "n"}`,
      `{"Token":"[secret]","password": "[secret]","x":1, "Client-Key-Data": "[secret]", "keyData": "[secret]", "name": "n"}`,
    ],
    [
      "JSON inside a JSON string",
      `error: {\\"token\\":\\"abc\\",\\"n\\":1}`,
      `error: {\\"token\\":\\"[secret]\\",\\"n\\":1}`,
    ],
    ["YAML flow mapping", "{token: abc, other: x}", "{token: [secret], other: x}"],
    ["Go map", "map[password:hunter2 user:bob]", "map[password:[secret] user:bob]"],
    [
      "YAML block scalar",
      "key: |\n  x\npassword: |-\n    line1\n\n    line2\nnext: 1",
      "key: |\n  x\npassword: [secret]\nnext: 1",
    ],
    [
      "URL userinfo",
      "GET https://alice:hunter2@example.com/x and git+ssh://tok@host/r",
      "GET https://[secret]@example.com/x and git+ssh://[secret]@host/r",
    ],
    [
      "userinfo without a scheme (registries, gRPC targets), not an image digest",
      'hub: bob:hunter2@reg.example.com/istio caAddress: "svc:p4ss@istiod:15012" image: docker.io/istio/pilot:1.30@sha256:ab, pilot:1.30@sha256:cd, istiod.istio-system.svc:15012, bob@example.com',
      'hub: [secret]@reg.example.com/istio caAddress: "[secret]@istiod:15012" image: docker.io/istio/pilot:1.30@sha256:ab, pilot:1.30@sha256:cd, istiod.istio-system.svc:15012, bob@example.com',
    ],
    [
      "query and form parameters",
      `"https://h/x?token=abc&access_token=def&x=1#f" body: a=1&password=p%40ss&b=2`,
      `"https://h/x?token=[secret]&access_token=[secret]&x=1#f" body: a=1&password=[secret]&b=2`,
    ],
    [
      "environment variables and flags",
      "PULUMI_CONFIG_PASSPHRASE=hello GITHUB_TOKEN=ghp_x --token=foo --password bar",
      "PULUMI_CONFIG_PASSPHRASE=[secret] GITHUB_TOKEN=[secret] --token=[secret] --password bar",
    ],
    [
      "Authorization headers",
      'Authorization: Bearer abc.def\nauthorization=Basic dXNlcjpwYXNz\nmap[Authorization:[Bearer zzz]]\n"Proxy-Authorization": "Negotiate YIIx"\nAuthorization: opaque',
      'Authorization: Bearer [secret]\nauthorization=Basic [secret]\nmap[Authorization:[Bearer [secret]]]\n"Proxy-Authorization": "Negotiate [secret]"\nAuthorization: [secret]',
    ],
    [
      "bare Bearer and Basic credentials, not prose",
      "sent Bearer abcdef123456 and Basic dXNlcjpwYXNz, use bearer authentication, a Bearer token",
      "sent Bearer [secret] and Basic [secret], use bearer authentication, a Bearer token",
    ],
    [
      "PEM blocks",
      "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n+/==\n-----END RSA PRIVATE KEY-----\nafter -----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n end",
      "key:\n[secret]\nafter [secret]\\n end",
    ],
    ["a truncated PEM block", "got -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nAwEHoUQD", `got ${SECRET_MARK}`],
    ["a base64 PEM block anywhere", "data LS0tLS1CRUdJTiBSU0E= ok", "data [secret] ok"],
    [
      "JWTs and Pulumi tokens",
      `jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl and ${accessToken}.`,
      "jwt [secret] and [secret].",
    ],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      assert.equal(redactPatterns(input), want);
      assert.equal(redactPatterns(want), want, "redacting again changes nothing");
    });
  }

  it("empty, null and boolean values and nested mappings are left alone", () => {
    const text =
      'sds:\n  token:\n    aud: istio-ca\ntoken: null\npassword: ""\n{"token": {"a": 1}, "password": false}\n';
    assert.equal(redactPatterns(text), text);
  });

  it("realistic Helm, Kubernetes and Pulumi errors come through byte-identical", () => {
    const r = createRedactor([passphrase, accessToken, "x", "ab"]);
    for (const text of realisticErrors) {
      assert.equal(redactPatterns(text), text);
      assert.equal(r(text), text);
    }
  });

  it("every golden plan and values file comes through byte-identical", () => {
    const r = createRedactor([passphrase, accessToken]);
    for (const [name, text] of goldenPlans()) assert.equal(r(text), text, name);
  });

  it("redacts a whole realistic kubeconfig, leaving its structure", () => {
    const kubeconfig = `apiVersion: v1
kind: Config
current-context: kind
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
users:
- name: kind
  user:
    token: 0123456789abcdef.0123456789abcdef
contexts:
- name: kind
  context: {cluster: kind, user: kind}
`;
    const out = createRedactor(["0123456789abcdef.0123456789abcdef"])(kubeconfig);
    assert.ok(!out.includes("0123456789abcdef") && !out.includes("LS0t"), out);
    assert.deepEqual(Object.keys(parse(out) as object), Object.keys(parse(kubeconfig) as object));
  });

  it("large and adversarial inputs are linear enough", () => {
    const inputs = [
      "-----BEGIN A-----".repeat(20_000),
      'token: "'.repeat(20_000),
      "a-".repeat(100_000),
      "a.".repeat(100_000),
      "a:".repeat(100_000),
      "a=".repeat(100_000),
      "token-".repeat(30_000),
      "eyJ".repeat(60_000),
      "x".repeat(300_000),
      "https://".repeat(30_000),
      "Bearer ".repeat(40_000),
      `${"token: abc\n".repeat(20_000)}`,
    ];
    const r = createRedactor([passphrase, "ab"]);
    const started = Date.now();
    for (const text of inputs) r(text);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });
});

describe("redaction properties", () => {
  /** Fragments that stress the marker, patterns and word boundaries. */
  const noise = fc.constantFrom(
    "",
    " ",
    "\n",
    "[",
    "]",
    "[sec",
    "ret]",
    SECRET_MARK,
    "token: ",
    '"password": "',
    "https://",
    "@",
    "Bearer ",
    "-----BEGIN X-----",
    "-----END X-----",
    "=",
    "&",
    "-",
    "_",
    "é",
  );
  const longSecret = fc
    .string({ minLength: MIN_SECRET_LENGTH, maxLength: 24, unit: "grapheme" })
    .filter((s) => s.trim() !== "" && s !== SECRET_MARK && [...s].length >= MIN_SECRET_LENGTH);

  it("a redacted string never contains a secret of at least the minimum length", () => {
    fc.assert(
      fc.property(
        fc.array(longSecret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), noise, fc.string({ maxLength: 6 })), { maxLength: 12 }),
        (secrets, short, pieces) => {
          const text = pieces
            .map(([i, cut, n, s]) => {
              const secret = secrets[i % secrets.length] ?? "";
              const part = cut % 3 === 0 ? secret.slice(cut % secret.length) : secret;
              return `${n}${part}${s}`;
            })
            .join("");
          const out = createRedactor([...secrets, ...short])(text);
          for (const s of secrets)
            assert.ok(!out.includes(s), `${JSON.stringify(s)} in ${JSON.stringify(out)}`);
        },
      ),
      { numRuns: 1000, seed: 20261201 },
    );
  });

  it("the secret built from the marker's own letters is still removed", () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: MIN_SECRET_LENGTH, maxLength: 12, unit: fc.constantFrom(..."[secret]ab") })
          .filter((s) => s !== SECRET_MARK),
        fc.array(fc.constantFrom(..."[secret]ab", SECRET_MARK), { maxLength: 30 }),
        (secret, parts) => {
          const text = parts.join("") + secret + parts.reverse().join("");
          assert.ok(!redactSecrets(text, [secret]).includes(secret));
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });

  it("text without secrets and without credential patterns is unchanged", () => {
    const word = fc
      .stringMatching(/^[a-z0-9]{1,10}$/)
      .filter((w) => !/token|pass|secret|key|data|bearer|basic|eyj/.test(w));
    const sep = fc.constantFrom(" ", "\n", ", ", ". ", "/", " (", ") ", "\t", ": ", "-", '"');
    const absentSecret = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `#${s}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, sep), { maxLength: 40 }),
        fc.array(absentSecret, { maxLength: 4 }),
        (parts, secrets) => {
          const text = parts.map(([w, s]) => w + s).join("");
          assert.equal(createRedactor(secrets)(text), text);
        },
      ),
      { numRuns: 2000, seed: 99 },
    );
  });
});
