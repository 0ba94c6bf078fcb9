// The kubeconfig files the harness writes: one cluster (planton-e2e, its server and CA), one user
// with either a client certificate or a bearer token, one context that is the current one.

const b64 = (b) => Buffer.from(b).toString("base64");

/**
 * Kubeconfig YAML for `server` trusted by `ca`: user `user` signs in with `credentials` (the
 * `user:` fields, e.g. { token } or { "client-certificate-data": … }); its context is `context`.
 */
export function kubeconfigText({ server, ca, user, credentials, context }) {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: planton-e2e",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    ...Object.entries(credentials).map(([k, v]) => `    ${k}: ${v}`),
    "contexts:",
    `- name: ${context}`,
    "  context:",
    "    cluster: planton-e2e",
    `    user: ${user}`,
    `current-context: ${context}`,
    "",
  ].join("\n");
}

/** A kubeconfig whose user signs in with the client certificate and key of `pki`. */
export function certKubeconfig(server, pki) {
  const credentials = { "client-certificate-data": b64(pki.cert), "client-key-data": b64(pki.key) };
  return kubeconfigText({
    server,
    ca: pki.ca,
    user: "planton-e2e-admin",
    credentials,
    context: "planton-e2e",
  });
}
