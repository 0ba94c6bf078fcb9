import { X509Certificate } from "node:crypto";
import type { InstallPlan } from "../../istio/types.js";
import type { StatusCheck } from "./model.js";

/** A CA certificate expiring within this many days is a warning. */
const warnDays = 30;
const day = 86_400_000;

function subjectLine(s: string): string {
  return s.split("\n").filter(Boolean).join(", ");
}

/**
 * The mesh CA, when the manifest sets one (`spec.ca`): the root the mesh trusts (the public
 * `root-cert.pem` of the `istio-ca-root-cert` ConfigMap istiod or istio-csr writes in the control
 * plane's namespace) with its expiry; for the plug-in CA, that root is the manifest's
 * `root-cert.pem` and `ca-cert.pem` is not about to expire. Nothing here reads a private key.
 * Pure: `rootCert` is read with the other status reads; `now` is for tests.
 */
export function checkCa(
  plan: InstallPlan,
  rootCert: string | undefined,
  now: Date = new Date(),
): StatusCheck[] {
  const ca = plan.ca;
  if (ca === undefined) return [];
  const issues: { state: "warning" | "error"; message: string; hint: string }[] = [];
  const what = ca.type === "PLUGIN" ? "plug-in CA (cacerts)" : `istio-csr at ${ca.istioCsr?.address ?? ""}`;
  const ns = plan.mesh.namespace;
  let root: X509Certificate | undefined;
  try {
    root = rootCert === undefined ? undefined : new X509Certificate(rootCert);
  } catch {
    root = undefined;
  }
  const expiry = (c: X509Certificate, name: string, hint: string) => {
    const left = new Date(c.validTo).getTime() - now.getTime();
    if (left <= 0)
      issues.push({
        state: "error",
        message: `${name} expired on ${new Date(c.validTo).toISOString()}`,
        hint,
      });
    else if (left < warnDays * day)
      issues.push({
        state: "warning",
        message: `${name} expires on ${new Date(c.validTo).toISOString()}, in ${Math.ceil(left / day)} days`,
        hint,
      });
  };
  if (root === undefined)
    issues.push({
      state: "error",
      message: `the mesh's root certificate (${ns}/${ca.istioCsr?.rootCaConfigMap ?? "istio-ca-root-cert"}) is missing or unreadable`,
      hint:
        ca.type === "ISTIO_CSR"
          ? `check that istio-csr runs and writes ${ca.istioCsr?.rootCaConfigMap ?? "istio-ca-root-cert"}`
          : "check that istiod runs: it writes istio-ca-root-cert at start-up",
    });
  else {
    const rotate =
      ca.type === "PLUGIN"
        ? "rotate the files in spec.ca.plugin and `planton apply`"
        : "renew the issuer's CA in cert-manager";
    expiry(root, `the root ${subjectLine(root.subject)}`, rotate);
    const planned = ca.secret?.certificates.find((c) => c.file === "root-cert.pem");
    if (planned !== undefined && planned.fingerprint !== root.fingerprint256)
      issues.push({
        state: "error",
        message: `the mesh trusts the root ${subjectLine(root.subject)}, not the manifest's root-cert.pem (${planned.subject})`,
        hint: "`planton apply` updates cacerts and restarts istiod; workloads pick the new root up as their certificates renew",
      });
  }
  for (const c of ca.secret?.certificates.filter((x) => x.file === "ca-cert.pem") ?? []) {
    const left = new Date(c.notAfter).getTime() - now.getTime();
    const hint = "rotate the files in spec.ca.plugin and `planton apply`";
    if (left <= 0)
      issues.push({ state: "error", message: `ca-cert.pem (${c.subject}) expired on ${c.notAfter}`, hint });
    else if (left < warnDays * day)
      issues.push({ state: "warning", message: `ca-cert.pem (${c.subject}) expires on ${c.notAfter}`, hint });
  }
  const okMessage =
    root === undefined
      ? what
      : `${what}; root ${subjectLine(root.subject)} valid until ${new Date(root.validTo).toISOString().slice(0, 10)}`;
  if (issues.length === 0)
    return [{ name: "ca", category: "ca", state: "ok", message: okMessage, hint: "", details: [] }];
  const sorted = [...issues].sort((a, b) => (a.state === b.state ? 0 : a.state === "error" ? -1 : 1));
  const first = sorted[0] as (typeof issues)[number];
  return [
    {
      name: "ca",
      category: "ca",
      state: first.state,
      message: first.message,
      hint: [...new Set(sorted.map((i) => i.hint))].join("; "),
      details: [...sorted.slice(1).map((i) => `${i.state}: ${i.message}`), okMessage],
    },
  ];
}
