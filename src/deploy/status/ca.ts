import { X509Certificate } from "node:crypto";
import type { InstallPlan, PlannedCa } from "../../istio/types.js";
import { combine, type Issue, type StatusCheck } from "./model.js";

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
  const root = certificateOf(rootCert);
  const issues = [...rootIssues(plan, ca, root, now), ...intermediateIssues(ca, now)];
  const what = ca.type === "PLUGIN" ? "plug-in CA (cacerts)" : `istio-csr at ${ca.istioCsr?.address ?? ""}`;
  const okMessage =
    root === undefined
      ? what
      : `${what}; root ${subjectLine(root.subject)} valid until ${new Date(root.validTo).toISOString().slice(0, 10)}`;
  return [combine("ca", "ca", okMessage, issues, issues.length > 0 ? [okMessage] : [])];
}

/** The certificate of a PEM text; undefined when there is none or it does not parse. */
function certificateOf(pem: string | undefined): X509Certificate | undefined {
  try {
    return pem === undefined ? undefined : new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** The root the mesh trusts: present, not expiring, and (plug-in CA) the manifest's root-cert.pem. */
function rootIssues(plan: InstallPlan, ca: PlannedCa, root: X509Certificate | undefined, now: Date): Issue[] {
  const configMap = ca.istioCsr?.rootCaConfigMap ?? "istio-ca-root-cert";
  if (root === undefined)
    return [
      {
        state: "error",
        message: `the mesh's root certificate (${plan.mesh.namespace}/${configMap}) is missing or unreadable`,
        hint:
          ca.type === "ISTIO_CSR"
            ? `check that istio-csr runs and writes ${configMap}`
            : "check that istiod runs: it writes istio-ca-root-cert at start-up",
      },
    ];
  const rotate =
    ca.type === "PLUGIN"
      ? "rotate the files in spec.ca.plugin and `planton apply`"
      : "renew the issuer's CA in cert-manager";
  const issues: Issue[] = [];
  const left = new Date(root.validTo).getTime() - now.getTime();
  const name = `the root ${subjectLine(root.subject)}`;
  const until = new Date(root.validTo).toISOString();
  if (left <= 0) issues.push({ state: "error", message: `${name} expired on ${until}`, hint: rotate });
  else if (left < warnDays * day)
    issues.push({
      state: "warning",
      message: `${name} expires on ${until}, in ${Math.ceil(left / day)} days`,
      hint: rotate,
    });
  const planned = ca.secret?.certificates.find((c) => c.file === "root-cert.pem");
  if (planned !== undefined && planned.fingerprint !== root.fingerprint256)
    issues.push({
      state: "error",
      message: `the mesh trusts the root ${subjectLine(root.subject)}, not the manifest's root-cert.pem (${planned.subject})`,
      hint: "`planton apply` updates cacerts and restarts istiod; workloads pick the new root up as their certificates renew",
    });
  return issues;
}

/** The plug-in CA's ca-cert.pem is not about to expire. */
function intermediateIssues(ca: PlannedCa, now: Date): Issue[] {
  const hint = "rotate the files in spec.ca.plugin and `planton apply`";
  return (ca.secret?.certificates.filter((x) => x.file === "ca-cert.pem") ?? []).flatMap((c): Issue[] => {
    const left = new Date(c.notAfter).getTime() - now.getTime();
    if (left <= 0)
      return [{ state: "error", message: `ca-cert.pem (${c.subject}) expired on ${c.notAfter}`, hint }];
    if (left < warnDays * day)
      return [{ state: "warning", message: `ca-cert.pem (${c.subject}) expires on ${c.notAfter}`, hint }];
    return [];
  });
}
