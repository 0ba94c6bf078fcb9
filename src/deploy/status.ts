import type * as k8s from "@kubernetes/client-node";
import { serverVersion } from "../cluster/precheck.js";
import { type HelmReleaseRecord, readStatus, type StatusReads } from "../cluster/status-reads.js";
import { DeployError, InterruptedError } from "../errors.js";
import type { InstallPlan, PlannedRelease } from "../istio/types.js";
import type { StackState } from "../pulumi/state.js";
import { type DeployRequest, withSession } from "./request.js";
import { checkCa } from "./status-ca.js";

/** How a check came out: `warning` still counts as healthy, `error` does not. */
export type CheckState = "ok" | "warning" | "error";

export type CheckCategory =
  | "releases"
  | "control-plane"
  | "crds"
  | "webhooks"
  | "gateways"
  | "mtls"
  | "ca"
  | "namespaces";

/** One thing `status` checked, with what is wrong and what fixes it. */
export interface StatusCheck {
  /** Stable name: `release/istiod`, `istiod/1-30-3`, `tag/default`, `namespace/shop`… */
  name: string;
  category: CheckCategory;
  state: CheckState;
  message: string;
  /** The command or manifest field that fixes it; empty when ok. */
  hint: string;
  details: string[];
}

/** The pods of a namespace with injection on, counted by the proxy they run. */
export interface NamespaceStatus {
  name: string;
  /** The label that turns injection on: `istio-injection=enabled` or `istio.io/rev=X`. */
  injection: string;
  /** The revision new pods get, tags resolved; empty when no installed revision matches. */
  targetRevision: string;
  upToDate: number;
  outdated: number;
  missing: number;
}

/** What `status` found. */
export interface StatusResult {
  stack: string;
  context: string;
  /** The worst state of the checks. */
  state: CheckState;
  checks: StatusCheck[];
  namespaces: NamespaceStatus[];
}

/** A check function: the cluster reads, the plan and the stack's state in, checks out. */
export type CheckFunction = (
  reads: StatusReads,
  plan: InstallPlan,
  state: StackState | undefined,
) => StatusCheck[];

const rank: Record<CheckState, number> = { ok: 0, warning: 1, error: 2 };

/** The worst of some states (`ok` for none). */
export function worst(states: CheckState[]): CheckState {
  return states.reduce<CheckState>((a, b) => (rank[b] > rank[a] ? b : a), "ok");
}

interface Issue {
  state: Exclude<CheckState, "ok">;
  message: string;
  hint: string;
}

/**
 * One check from a component's issues: ok with `okMessage` when there are none; otherwise the
 * worst issue is the message and hint, and every other issue a detail line.
 */
function combine(
  category: CheckCategory,
  name: string,
  okMessage: string,
  issues: Issue[],
  details: string[] = [],
): StatusCheck {
  if (issues.length === 0) return { name, category, state: "ok", message: okMessage, hint: "", details };
  const sorted = [...issues].sort((a, b) => rank[b.state] - rank[a.state]);
  const first = sorted[0] as Issue;
  return {
    name,
    category,
    state: first.state,
    message: first.message,
    hint: [...new Set(sorted.map((i) => i.hint).filter((h) => h !== ""))].join("; "),
    details: [...sorted.slice(1).map((i) => `${i.state}: ${i.message}`), ...details],
  };
}

const labels = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels ?? {};
const annotations = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  o.metadata?.annotations ?? {};
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// releases

/** Each planned Helm release deployed (not failed or pending), at the planned chart version. */
export const checkReleases: CheckFunction = (reads, plan, state) => {
  const checks = plan.releases.map((r) => {
    const rec = reads.helmReleases.find((h) => h.name === r.name && h.namespace === r.namespace);
    return combine("releases", `release/${r.name}`, `${r.name} ${r.version} deployed`, releaseIssues(r, rec));
  });
  const planned = new Set(plan.releases.map((r) => `${r.namespace}/${r.name}`));
  for (const r of state?.releases ?? []) {
    if (planned.has(`${r.namespace}/${r.name}`)) continue;
    checks.push(
      combine("releases", `release/${r.name}`, "", [
        {
          state: "warning",
          message: `release ${r.namespace}/${r.name} is in the stack but no longer in the manifest`,
          hint: "`planton apply` removes it",
        },
      ]),
    );
  }
  return checks;
};

function releaseIssues(r: PlannedRelease, rec: HelmReleaseRecord | undefined): Issue[] {
  const what = `release ${r.namespace}/${r.name}`;
  if (rec === undefined)
    return [{ state: "error", message: `${what} is not installed`, hint: "`planton apply` installs it" }];
  const issues: Issue[] = [];
  if (rec.status !== "deployed")
    issues.push({
      state: "error",
      message: `${what} is ${rec.status || "in an unknown state"} (Helm revision ${rec.revision})`,
      hint: rec.status.startsWith("pending-")
        ? "an install or upgrade is running or was killed: wait for it, or run `planton apply` (it repairs interrupted releases)"
        : `\`helm -n ${r.namespace} history ${r.name}\` shows why; \`planton apply\` retries it`,
    });
  if (rec.chartVersion !== "" && rec.chartVersion !== r.version)
    issues.push({
      state: "error",
      message: `${what} runs chart ${rec.chart || r.chart} ${rec.chartVersion}; the manifest plans ${r.version}`,
      hint: "`planton apply` upgrades it to the manifest's version (spec.version or spec.revisions)",
    });
  return issues;
}

// ---------------------------------------------------------------------------------------------
// control plane

/** One istiod the plan installs. */
export interface PlannedRevision {
  /** The `istio.io/rev` label of its pods: the revision name, `default` when unrevisioned. */
  revision: string;
  /** Deployment, Service and PodDisruptionBudget name. */
  deployment: string;
  version: string;
  release: PlannedRelease | undefined;
}

/** The istiods of a plan: one per revision, or the single unrevisioned `istiod`. */
export function plannedRevisions(plan: InstallPlan): PlannedRevision[] {
  if (plan.mesh.revisions.length === 0) {
    const release = plan.releases.find((r) => r.component === "istiod");
    return [{ revision: "default", deployment: "istiod", version: plan.mesh.version, release }];
  }
  return plan.mesh.revisions.map((r) => ({
    revision: r.name,
    deployment: `istiod-${r.name}`,
    version: r.version,
    release: plan.releases.find((x) => x.name === r.release),
  }));
}

/** The tag of a container image (`docker.io/istio/pilot:1.30.3` → `1.30.3`; none → `latest`). */
export function imageTag(image: string): string {
  const noDigest = image.split("@")[0] ?? "";
  const last = noDigest.split("/").at(-1) ?? "";
  const i = last.indexOf(":");
  return i < 0 ? "latest" : last.slice(i + 1);
}

/**
 * True when the istiod chart renders a PodDisruptionBudget with these values: the chart's PDB
 * switch is on and istiod runs at least 2 replicas (fixed, or as the autoscaler's minimum).
 */
export function istiodPdbPlanned(values: Record<string, unknown>): boolean {
  const pilot = obj(values.pilot);
  const pdbSwitch = obj(obj(values.global).defaultPodDisruptionBudget).enabled;
  if (pdbSwitch === false) return false;
  const autoscale = pilot.autoscaleEnabled ?? values.autoscaleEnabled ?? true;
  if (autoscale !== false) return (num(pilot.autoscaleMin) ?? num(values.autoscaleMin) ?? 1) > 1;
  return (num(pilot.replicaCount) ?? num(values.replicaCount) ?? 1) > 1;
}

/** True when the gateway chart renders a PodDisruptionBudget with these values. */
export function gatewayPdbPlanned(values: Record<string, unknown>): boolean {
  if (Object.keys(obj(values.podDisruptionBudget)).length === 0) return false;
  const a = obj(values.autoscaling);
  if (a.enabled !== false) return (num(a.minReplicas) ?? 1) > 1;
  return (num(values.replicaCount) ?? 1) > 1;
}

/** Ready-replica problems of a Deployment, named `what`; `fix` says how to look closer. */
function readinessIssues(d: k8s.V1Deployment, what: string, fix: string, scaleHint: string): Issue[] {
  const desired = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  if (desired === 0) return [{ state: "error", message: `${what} is scaled to 0 replicas`, hint: scaleHint }];
  if (ready < desired)
    return [{ state: "error", message: `${what} has ${ready} of ${desired} replicas ready`, hint: fix }];
  return [];
}

const findDeployment = (reads: StatusReads, namespace: string, name: string) =>
  reads.deployments.find((d) => d.metadata?.namespace === namespace && d.metadata?.name === name);

/** Per revision: istiod present, all replicas ready, running the planned image tag, PDB where planned. */
export const checkControlPlane: CheckFunction = (reads, plan) => {
  const ns = plan.mesh.namespace;
  return plannedRevisions(plan).map((rev) => {
    const name = `istiod/${rev.revision}`;
    const what = `istiod ${ns}/${rev.deployment}`;
    const d = findDeployment(reads, ns, rev.deployment);
    if (d === undefined)
      return combine("control-plane", name, "", [
        {
          state: "error",
          message: `${what} is missing: no control plane for revision ${rev.revision}`,
          hint: `\`planton apply\` reinstalls it (Helm release ${rev.release?.name ?? "istiod"})`,
        },
      ]);
    const issues = readinessIssues(
      d,
      what,
      `\`kubectl -n ${ns} describe deployment ${rev.deployment}\` and \`kubectl -n ${ns} logs deployment/${rev.deployment}\` show why`,
      `scale it back: \`kubectl -n ${ns} scale deployment ${rev.deployment} --replicas=1\` (spec.controlPlane.replicas sets the count)`,
    );
    const values = rev.release?.values ?? {};
    const wantTag = String(obj(values.global).tag ?? rev.version);
    const container =
      d.spec?.template?.spec?.containers?.find((c) => c.name === "discovery") ??
      d.spec?.template?.spec?.containers?.[0];
    const tag = container?.image === undefined ? undefined : imageTag(container.image);
    if (tag !== undefined && tag !== wantTag && !tag.startsWith(`${wantTag}-`))
      issues.push({
        state: "error",
        message: `${what} runs image ${container?.image}; the manifest plans ${wantTag}`,
        hint: "`planton apply` sets the planned version (spec.version, spec.revisions or spec.images.tag)",
      });
    const pdbPlanned = istiodPdbPlanned(values);
    const pdb = reads.podDisruptionBudgets.find(
      (p) => p.metadata?.namespace === ns && p.metadata?.name === rev.deployment,
    );
    if (pdbPlanned && pdb === undefined)
      issues.push({
        state: "error",
        message: `${what} has no PodDisruptionBudget, though it runs 2 or more replicas: a node drain can stop every istiod at once`,
        hint: "`planton apply` restores it (the istiod chart renders it when spec.controlPlane.replicas or autoscaling.minReplicas is 2 or more)",
      });
    const ready = d.status?.readyReplicas ?? 0;
    return combine(
      "control-plane",
      name,
      `${what} ready (${ready}/${d.spec?.replicas ?? 1}), ${tag ?? wantTag}${pdb ? ", PodDisruptionBudget present" : ""}`,
      issues,
    );
  });
};

// ---------------------------------------------------------------------------------------------
// CRDs

const established = (crd: k8s.V1CustomResourceDefinition) =>
  (crd.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");

/** Istio's CRDs present and Established. */
export const checkCrds: CheckFunction = (reads) => {
  const crds = reads.crds;
  if (crds.length === 0)
    return [
      combine("crds", "crds", "", [
        {
          state: "error",
          message: "no Istio CRDs are installed: no Istio configuration can be stored",
          hint: "`planton apply` installs them (Helm release istio-base)",
        },
      ]),
    ];
  const notEstablished = crds.filter((c) => !established(c)).map((c) => c.metadata?.name ?? "");
  if (notEstablished.length === 0)
    return [combine("crds", "crds", `${plural(crds.length, "Istio CRD")} established`, [])];
  return [
    {
      name: "crds",
      category: "crds",
      state: "error",
      message: `${notEstablished.length} of ${plural(crds.length, "Istio CRD")} not Established: the API server does not serve them`,
      hint: "`kubectl get crd NAME -o yaml` shows the conditions; `planton apply` reinstalls them (Helm release istio-base)",
      details: notEstablished.sort(),
    },
  ];
};

// ---------------------------------------------------------------------------------------------
// webhooks and tags

type Webhook = { clientConfig?: k8s.AdmissionregistrationV1WebhookClientConfig; name?: string };
type WebhookConfig = { metadata?: k8s.V1ObjectMeta; webhooks?: Webhook[] };

const tagPrefix = "istio-revision-tag-";

/** The tag of a tag webhook (`istio-revision-tag-<tag>`, label `istio.io/tag`), else undefined. */
export function tagOf(w: WebhookConfig): string | undefined {
  const name = w.metadata?.name ?? "";
  const label = labels(w)["istio.io/tag"];
  if (label !== undefined && label !== "") return label;
  return name.startsWith(tagPrefix) ? name.slice(tagPrefix.length) : undefined;
}

/** The revision an injector or tag webhook calls: from the istiod Service it calls, else its label. */
export function revisionCalled(w: WebhookConfig, namespace: string): string | undefined {
  for (const hook of w.webhooks ?? []) {
    const svc = hook.clientConfig?.service;
    if (svc === undefined || svc.namespace !== namespace) continue;
    if (svc.name === "istiod") return "default";
    if (svc.name.startsWith("istiod-")) return svc.name.slice("istiod-".length);
  }
  return labels(w)["istio.io/rev"];
}

/** Tag → revision, from the tag webhooks calling an istiod of `namespace`. */
export function tagTargets(reads: StatusReads, namespace: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of reads.mutatingWebhooks) {
    const tag = tagOf(w);
    const rev = tag === undefined ? undefined : revisionCalled(w, namespace);
    if (tag !== undefined && rev !== undefined) out.set(tag, rev);
  }
  return out;
}

const missingCaBundle = (w: WebhookConfig) =>
  (w.webhooks ?? []).filter((h) => (h.clientConfig?.caBundle ?? "") === "").map((h) => h.name ?? "");

const caBundleIssue = (kind: string, w: WebhookConfig, ns: string, istiod: string): Issue[] => {
  const without = missingCaBundle(w);
  if (without.length === 0) return [];
  return [
    {
      state: "error",
      message: `${kind} ${w.metadata?.name ?? ""} has no CA bundle (${without.join(", ")}): the API server cannot call istiod`,
      hint: `istiod writes the bundle when it runs: check \`kubectl -n ${ns} logs deployment/${istiod}\`, or restart it (\`kubectl -n ${ns} rollout restart deployment/${istiod}\`)`,
    },
  ];
};

/**
 * Per revision its sidecar-injector webhook with a CA bundle; the `default` tag on the
 * manifest's `defaultRevision` (revisioned meshes); other tags on an installed revision; a
 * validating webhook calling istiod, with a CA bundle.
 */
export const checkWebhooks: CheckFunction = (reads, plan) => {
  const ns = plan.mesh.namespace;
  const revisions = plannedRevisions(plan);
  const checks: StatusCheck[] = [];
  for (const rev of revisions) {
    const injector = reads.mutatingWebhooks.find(
      (w) => tagOf(w) === undefined && revisionCalled(w, ns) === rev.revision,
    );
    const name = `injector/${rev.revision}`;
    if (injector === undefined) {
      checks.push(
        combine("webhooks", name, "", [
          {
            state: "error",
            message: `no sidecar-injector webhook calls ${ns}/${rev.deployment}: pods of revision ${rev.revision} get no proxy`,
            hint: `\`planton apply\` reinstalls it (Helm release ${rev.release?.name ?? "istiod"})`,
          },
        ]),
      );
      continue;
    }
    checks.push(
      combine(
        "webhooks",
        name,
        `injector ${injector.metadata?.name ?? ""} calls ${rev.deployment}, CA bundle set`,
        caBundleIssue("injector webhook", injector, ns, rev.deployment),
      ),
    );
  }

  const tags = reads.mutatingWebhooks.filter((w) => tagOf(w) !== undefined);
  const wantDefault = plan.mesh.defaultRevision;
  if (wantDefault !== "") {
    const hook = tags.find((w) => tagOf(w) === "default");
    const points = hook === undefined ? undefined : revisionCalled(hook, ns);
    const issues: Issue[] = [];
    if (hook === undefined)
      issues.push({
        state: "error",
        message: `the default tag is missing: namespaces labelled istio-injection=enabled get no proxy`,
        hint: "`planton apply` recreates it on spec.defaultRevision",
      });
    else if (points !== wantDefault)
      issues.push({
        state: "error",
        message: `the default tag points at revision ${points ?? "(none)"}; the manifest says ${wantDefault} (spec.defaultRevision)`,
        hint: "`planton apply` moves it to spec.defaultRevision",
      });
    else issues.push(...caBundleIssue("tag webhook", hook, ns, `istiod-${wantDefault}`));
    checks.push(combine("webhooks", "tag/default", `default tag → ${wantDefault}`, issues));
  }
  // the manifest's revision tags: present, and pointing where spec.revisionTags says
  for (const [tag, want] of Object.entries(plan.mesh.revisionTags ?? {})) {
    const hook = tags.find((w) => tagOf(w) === tag);
    const points = hook === undefined ? undefined : revisionCalled(hook, ns);
    const issues: Issue[] =
      hook === undefined
        ? [
            {
              state: "error",
              message: `tag ${tag} is missing: namespaces labelled istio.io/rev=${tag} get no proxy`,
              hint: "`planton apply` recreates it (spec.revisionTags)",
            },
          ]
        : points !== want
          ? [
              {
                state: "error",
                message: `tag ${tag} points at revision ${points ?? "(none)"}; the manifest says ${want} (spec.revisionTags)`,
                hint: "`planton apply` moves it back to the manifest's revision",
              },
            ]
          : caBundleIssue("tag webhook", hook, ns, `istiod-${want}`);
    checks.push(combine("webhooks", `tag/${tag}`, `tag ${tag} → ${want}`, issues));
  }
  const installed = new Set(revisions.map((r) => r.revision));
  for (const hook of tags) {
    const tag = tagOf(hook) ?? "";
    if (tag === "default" && wantDefault !== "") continue;
    if (tag in (plan.mesh.revisionTags ?? {})) continue;
    const points = revisionCalled(hook, ns);
    checks.push(
      combine(
        "webhooks",
        `tag/${tag}`,
        `tag ${tag} → ${points}`,
        points !== undefined && installed.has(points)
          ? caBundleIssue("tag webhook", hook, ns, points === "default" ? "istiod" : `istiod-${points}`)
          : [
              {
                state: "warning",
                message: `tag ${tag} points at revision ${points ?? "(none)"}, which this mesh does not run: its namespaces get no proxy`,
                hint: `point it at a revision of the manifest (${[...installed].join(", ")}): \`istioctl tag set ${tag} --revision REVISION --overwrite\`, or remove it with \`istioctl tag remove ${tag}\``,
              },
            ],
      ),
    );
  }

  const validators = reads.validatingWebhooks.filter((w) =>
    (w.webhooks ?? []).some(
      (h) => h.clientConfig?.service?.namespace === ns && h.clientConfig.service.name.startsWith("istiod"),
    ),
  );
  if (validators.length === 0)
    checks.push(
      combine("webhooks", "validation", "", [
        {
          state: "error",
          message: `no validating webhook calls istiod in ${ns}: invalid Istio configuration is accepted unchecked`,
          hint: "`planton apply` reinstalls it (Helm releases istio-base and istiod)",
        },
      ]),
    );
  else
    checks.push(
      combine(
        "webhooks",
        "validation",
        `validating ${plural(validators.length, "webhook")} present (${validators.map((v) => v.metadata?.name ?? "").join(", ")})`,
        validators.flatMap((v) =>
          caBundleIssue(
            "validating webhook",
            v,
            ns,
            v.webhooks?.find((h) => h.clientConfig?.service?.namespace === ns)?.clientConfig?.service?.name ??
              "istiod",
          ),
        ),
      ),
    );
  return checks;
};

// ---------------------------------------------------------------------------------------------
// gateways

/** Per gateway: Deployment ready, Service of the planned type, an address for a LoadBalancer. */
export const checkGateways: CheckFunction = (reads, plan) =>
  plan.mesh.gateways.map((g) => {
    const name = `gateway/${g.name}`;
    const what = `gateway ${g.namespace}/${g.name}`;
    const d = findDeployment(reads, g.namespace, g.name);
    const release = plan.releases.find((r) => r.name === g.name && r.namespace === g.namespace);
    const field = `spec.${g.direction}Gateways[name=${g.name}]`;
    const issues: Issue[] = [];
    if (d === undefined)
      issues.push({
        state: "error",
        message: `${what}: its Deployment is missing`,
        hint: `\`planton apply\` reinstalls it (Helm release ${g.name})`,
      });
    else
      issues.push(
        ...readinessIssues(
          d,
          what,
          `\`kubectl -n ${g.namespace} describe deployment ${g.name}\` shows why`,
          `scale it back: \`kubectl -n ${g.namespace} scale deployment ${g.name} --replicas=1\` (${field}.replicas sets the count)`,
        ),
      );
    const svc = reads.services.find(
      (s) => s.metadata?.namespace === g.namespace && s.metadata?.name === g.name,
    );
    let address = "";
    if (svc === undefined)
      issues.push({
        state: "error",
        message: `${what}: its Service is missing`,
        hint: `\`planton apply\` reinstalls it (Helm release ${g.name})`,
      });
    else {
      const type = svc.spec?.type ?? "ClusterIP";
      if (type !== g.serviceType)
        issues.push({
          state: "error",
          message: `${what}: its Service is ${type}; the manifest plans ${g.serviceType}`,
          hint: `\`planton apply\` restores it (${field}.service.type)`,
        });
      else if (type === "LoadBalancer") {
        const addresses = (svc.status?.loadBalancer?.ingress ?? [])
          .map((i) => i.ip ?? i.hostname ?? "")
          .filter((a) => a !== "");
        if (addresses.length === 0)
          issues.push({
            state: "warning",
            message: `${what}: the LoadBalancer has no external address yet (pending)`,
            hint: `a cluster without a load-balancer controller (kind, bare metal) never assigns one: install one (MetalLB, cloud-provider-kind), or set ${field}.service.type: NodePort`,
          });
        else address = `, address ${addresses.join(", ")}`;
      }
    }
    if (release !== undefined && gatewayPdbPlanned(release.values)) {
      const pdb = reads.podDisruptionBudgets.find(
        (p) => p.metadata?.namespace === g.namespace && p.metadata?.name === g.name,
      );
      if (pdb === undefined)
        issues.push({
          state: "error",
          message: `${what} has no PodDisruptionBudget, though it runs 2 or more replicas`,
          hint: `\`planton apply\` restores it (${field}.replicas or autoscaling.minReplicas of 2 or more renders it)`,
        });
    }
    const ready = d?.status?.readyReplicas ?? 0;
    return combine(
      "gateways",
      name,
      `${what} ready (${ready}/${d?.spec?.replicas ?? 1}), ${g.serviceType}${address}`,
      issues,
    );
  });

// ---------------------------------------------------------------------------------------------
// mutual TLS

/** The mesh-wide PeerAuthentication (control-plane namespace, no selector) matches spec.mtls.mode. */
export const checkMtls: CheckFunction = (reads, plan) => {
  const ns = plan.mesh.namespace;
  const planned = plan.objects.find((o) => o.manifest.kind === "PeerAuthentication");
  const want = planned === undefined ? undefined : String(obj(planned.manifest.spec.mtls).mode ?? "");
  const meshWide = (reads.peerAuthentications ?? []).filter(
    (p) => (p.metadata?.namespace ?? ns) === ns && p.spec?.selector === undefined,
  );
  const current = meshWide.find((p) => p.metadata?.name === "default") ?? meshWide[0];
  const mode = current?.spec?.mtls?.mode ?? "";
  if (want === undefined)
    return [
      combine(
        "mtls",
        "mtls",
        current === undefined
          ? "mesh-wide mTLS not set (Istio's default, PERMISSIVE); spec.mtls.mode sets it"
          : `mesh-wide mTLS is ${mode || "UNSET"} (${ns}/${current.metadata?.name ?? ""}, not from the manifest)`,
        [],
      ),
    ];
  const issues: Issue[] = [];
  if (reads.peerAuthentications === undefined)
    issues.push({
      state: "error",
      message: `the PeerAuthentication kind is not installed, so spec.mtls.mode ${want} is not enforced`,
      hint: "`planton apply` installs Istio's CRDs (Helm release istio-base) and the policy",
    });
  else if (current === undefined)
    issues.push({
      state: "error",
      message: `the mesh-wide PeerAuthentication ${ns}/default is missing: mTLS is PERMISSIVE, the manifest says ${want}`,
      hint: "`planton apply` recreates it (spec.mtls.mode)",
    });
  else if (mode !== want)
    issues.push({
      state: "error",
      message: `mesh-wide mTLS is ${mode || "UNSET"} (${ns}/${current.metadata?.name ?? ""}); the manifest says ${want}`,
      hint: "`planton apply` restores spec.mtls.mode",
    });
  return [combine("mtls", "mtls", `mesh-wide mTLS is ${want}`, issues)];
};

// ---------------------------------------------------------------------------------------------
// namespaces and their pods

/** How a namespace turns injection on, or undefined when it does not. */
export function injectionOf(ns: k8s.V1Namespace): { label: string; wants: string } | undefined {
  const l = labels(ns);
  const legacy = l["istio-injection"];
  // istio-injection wins over istio.io/rev, as in the injector webhooks' selectors
  if (legacy === "enabled") return { label: "istio-injection=enabled", wants: "default" };
  if (legacy !== undefined) return undefined;
  const rev = l["istio.io/rev"];
  return rev === undefined || rev === "" ? undefined : { label: `istio.io/rev=${rev}`, wants: rev };
}

/** True for pods injection never touches or that no longer run: opted out, host network, finished. */
export function skippedPod(p: k8s.V1Pod): boolean {
  const optOut = annotations(p)["sidecar.istio.io/inject"] ?? labels(p)["sidecar.istio.io/inject"];
  if (optOut === "false") return true;
  if (p.spec?.hostNetwork === true) return true;
  return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
}

/** `deployment/web` for a pod of Deployment web's ReplicaSet; `statefulset/db`; else `pod/name`. */
export function workloadOf(p: k8s.V1Pod): string {
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  if (owner === undefined) return `pod/${p.metadata?.name ?? ""}`;
  if (owner.kind === "ReplicaSet") {
    const hash = labels(p)["pod-template-hash"];
    if (hash !== undefined && owner.name.endsWith(`-${hash}`))
      return `deployment/${owner.name.slice(0, -hash.length - 1)}`;
  }
  return `${owner.kind.toLowerCase()}/${owner.name}`;
}

/**
 * The revision that injected a pod. Injection writes it as the `istio.io/rev` annotation and in
 * the `sidecar.istio.io/status` annotation's `revision`; a label of that name is only a fallback
 * (it is what the pod asked for, not what served it). `default` for the revision-less istiod.
 */
export function injectedRevision(p: {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}): string {
  const a = p.metadata?.annotations ?? {};
  if (a["istio.io/rev"]) return a["istio.io/rev"];
  try {
    const status = JSON.parse(a["sidecar.istio.io/status"] ?? "{}") as { revision?: unknown };
    if (typeof status.revision === "string" && status.revision !== "") return status.revision;
  } catch {
    // not JSON: fall through
  }
  return p.metadata?.labels?.["istio.io/rev"] || "default";
}

/** A namespace's counts, and the workloads behind its outdated and missing pods. */
interface NamespaceCount extends NamespaceStatus {
  wants: string;
  /** workload → revisions of its outdated pods (count per revision). */
  outdatedBy: Map<string, Map<string, number>>;
  missingBy: Map<string, number>;
}

function countNamespaces(reads: StatusReads, plan: InstallPlan): NamespaceCount[] {
  const cp = plan.mesh.namespace;
  const tags = tagTargets(reads, cp);
  const installed = new Set(
    reads.deployments
      .filter((d) => d.metadata?.namespace === cp && labels(d).app === "istiod")
      .map((d) => labels(d)["istio.io/rev"] ?? "default"),
  );
  const resolve = (rev: string) => tags.get(rev) ?? rev;
  const counts = new Map<string, NamespaceCount>();
  for (const ns of reads.namespaces) {
    const injection = injectionOf(ns);
    const name = ns.metadata?.name;
    if (injection === undefined || name === undefined) continue;
    const target = resolve(injection.wants);
    counts.set(name, {
      name,
      injection: injection.label,
      wants: injection.wants,
      targetRevision: installed.has(target) ? target : "",
      upToDate: 0,
      outdated: 0,
      missing: 0,
      outdatedBy: new Map(),
      missingBy: new Map(),
    });
  }
  for (const p of reads.pods) {
    const c = counts.get(p.metadata?.namespace ?? "");
    if (c === undefined || skippedPod(p)) continue;
    const workload = workloadOf(p);
    if (annotations(p)["sidecar.istio.io/status"] === undefined) {
      c.missing++;
      c.missingBy.set(workload, (c.missingBy.get(workload) ?? 0) + 1);
      continue;
    }
    const rev = resolve(injectedRevision(p));
    if (c.targetRevision !== "" && rev === c.targetRevision) {
      c.upToDate++;
      continue;
    }
    c.outdated++;
    const byRev = c.outdatedBy.get(workload) ?? new Map<string, number>();
    byRev.set(rev, (byRev.get(rev) ?? 0) + 1);
    c.outdatedBy.set(workload, byRev);
  }
  return [...counts.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The namespaces with injection on, with their pods counted up to date, outdated and missing. */
export function namespaceStatuses(reads: StatusReads, plan: InstallPlan): NamespaceStatus[] {
  return countNamespaces(reads, plan).map(
    ({ name, injection, targetRevision, upToDate, outdated, missing }) => ({
      name,
      injection,
      targetRevision,
      upToDate,
      outdated,
      missing,
    }),
  );
}

const maxDetails = 20;

/**
 * Per namespace with injection on: its target revision is one the mesh runs, and every pod
 * runs that revision's proxy. Outdated and missing proxies are warnings: the mesh works, and a
 * rollout restart of the workloads listed fixes them.
 */
export const checkNamespaces: CheckFunction = (reads, plan) =>
  countNamespaces(reads, plan).map((c) => {
    const name = `namespace/${c.name}`;
    const target = c.targetRevision === "" ? c.wants : c.targetRevision;
    const head = `${c.name} (${c.injection}${c.targetRevision !== "" && c.targetRevision !== c.wants ? ` → ${c.targetRevision}` : ""})`;
    const total = c.upToDate + c.outdated + c.missing;
    const details = [
      ...[...c.missingBy].map(([w, n]) => `${w}: ${plural(n, "pod")} without a proxy`),
      ...[...c.outdatedBy].map(
        ([w, revs]) =>
          `${w}: ${[...revs].map(([rev, n]) => `${plural(n, "pod")} on revision ${rev}`).join(", ")}`,
      ),
    ].sort();
    const shown =
      details.length > maxDetails
        ? [...details.slice(0, maxDetails), `… and ${details.length - maxDetails} more workloads`]
        : details;
    const issues: Issue[] = [];
    if (c.targetRevision === "")
      issues.push({
        state: "warning",
        message: `${head}: asks for revision ${c.wants}, which this mesh does not run: new pods start without a proxy`,
        hint: `label it with a revision or tag of the mesh: \`kubectl label namespace ${c.name} istio.io/rev=${plan.mesh.defaultRevision || plannedRevisions(plan)[0]?.revision || "default"} --overwrite\``,
      });
    if (c.outdated > 0 || c.missing > 0) {
      const parts = [
        c.outdated > 0 ? `${c.outdated} on an older proxy than ${target}` : "",
        c.missing > 0 ? `${c.missing} without a proxy` : "",
      ].filter((s) => s !== "");
      issues.push({
        state: "warning",
        message: `${head}: ${parts.join(", ")}, of ${plural(total, "pod")}`,
        hint: `restart the workloads listed to inject ${target}'s proxy: \`kubectl -n ${c.name} rollout restart deployment/NAME\``,
      });
    }
    return combine(
      "namespaces",
      name,
      `${head}: ${total === 0 ? "no pods" : `${plural(c.upToDate, "pod")} up to date`}`,
      issues,
      shown,
    );
  });

// ---------------------------------------------------------------------------------------------
// all together

/** Every check, in report order. */
export const checkFunctions: CheckFunction[] = [
  checkReleases,
  checkControlPlane,
  checkCrds,
  checkWebhooks,
  checkGateways,
  checkMtls,
  (reads, plan) => checkCa(plan, reads.caRootCert),
  checkNamespaces,
];

/** Runs every check on one round of reads. Pure. */
export function evaluate(
  reads: StatusReads,
  plan: InstallPlan,
  state: StackState | undefined,
): Omit<StatusResult, "stack" | "context"> {
  const checks = checkFunctions.flatMap((f) => f(reads, plan, state));
  return { state: worst(checks.map((c) => c.state)), checks, namespaces: namespaceStatuses(reads, plan) };
}

export interface StatusOptions {
  /** Re-check until healthy (no error) or this many seconds passed. */
  waitSeconds?: number;
  /** Pause between rounds while waiting. Default 2000 ms. */
  intervalMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

const interrupted = () =>
  new InterruptedError("status --wait was interrupted: nothing was changed (status never changes anything)");

/**
 * `status`: reads the stack's state (it must have been applied) and the cluster, and checks the
 * mesh. With `waitSeconds`, re-checks every 2 s until no check is an error or the time is up,
 * reporting what it waits for through `req.io.info`. Changes nothing.
 */
export async function status(req: DeployRequest, options: StatusOptions = {}): Promise<StatusResult> {
  const stack = req.settings.stack;
  const state = await withSession(req, (session) => session.readState());
  if (state === undefined || (state.outputs === undefined && state.releases.length === 0))
    throw new DeployError(
      `stack ${stack} ${state === undefined ? "does not exist" : "has no apply recorded"}: there is no mesh to check`,
      "run `planton apply -f FILE` first, or name the stack that has it with --stack and --backend",
    );
  await serverVersion(req.cluster); // an unreachable cluster is one clear error
  const round = async (): Promise<StatusResult> => ({
    stack,
    context: req.cluster.context,
    ...evaluate(await readStatus(req.cluster, req.plan), req.plan, state),
  });
  let result = await round();
  const waitMs = (options.waitSeconds ?? 0) * 1000;
  if (waitMs <= 0 || result.state !== "error") return result;
  const deadline = Date.now() + waitMs;
  let told = "";
  for (;;) {
    if (req.signal.aborted) throw interrupted();
    const failing = result.checks.filter((c) => c.state === "error").map((c) => c.message);
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) return result;
    const line = failing.join("; ");
    if (line !== told) {
      req.io.info(`waiting up to ${left}s for: ${line}`);
      told = line;
    }
    await sleep(Math.min(options.intervalMs ?? 2000, Math.max(deadline - Date.now(), 0)), req.signal);
    if (req.signal.aborted) throw interrupted();
    try {
      result = await round();
    } catch (err) {
      // a failed read while waiting (an API server restarting) is retried until the time is up
      if (!(err instanceof DeployError) || Date.now() >= deadline) throw err;
      req.io.info(`could not read the cluster (${err.message}); retrying`);
      continue;
    }
    if (result.state !== "error") return result;
  }
}
