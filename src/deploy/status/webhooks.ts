// `planton status`: the injector, tag and validating webhooks.

import type * as k8s from "@kubernetes/client-node";
import type { StatusReads } from "../../cluster/status-reads.js";
import type { InstallPlan, PlannedRelease } from "../../istio/types.js";
import { type PlannedRevision, plannedRevisions } from "./control-plane.js";
import {
  type CheckFunction,
  combine,
  type Issue,
  labels,
  obj,
  plural,
  remotePrimary,
  type StatusCheck,
} from "./model.js";

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

/**
 * Who writes a webhook's CA bundle, for the hint of a missing one: the local istiod, or for
 * profile remote the primary's istiod through its remote secret for this cluster.
 */
type BundleWriter = { local: string } | { primary: string; cluster: string };

/**
 * A webhook without a CA bundle is an error, on a remote cluster too. There the primary's istiod
 * writes it (reading and patching this cluster through its remote secret), so it is missing
 * only until that istiod first reads this cluster, or for good when it cannot. Either way the
 * API server cannot verify whom it calls and, the charts' webhooks failing closed, rejects every
 * pod of an injected namespace (and every Istio object, for the validator): the cluster is not
 * healthy, whoever is to blame. apply's verification waits for it (the primary's apply runs
 * first and its istiod writes the bundle within seconds), so it fails only when the bundle
 * never comes, which is when the primary cannot reach this cluster's API.
 */
const caBundleIssue = (kind: string, w: WebhookConfig, ns: string, writer: BundleWriter): Issue[] => {
  const without = missingCaBundle(w);
  if (without.length === 0) return [];
  if ("primary" in writer)
    return [
      {
        state: "error",
        message: `${kind} ${w.metadata?.name ?? ""} has no CA bundle (${without.join(", ")}): the API server cannot call the primary ${writer.primary}'s istiod`,
        hint: `the primary's istiod writes it once it reads this cluster through its remote secret istio-remote-secret-${writer.cluster}: \`planton status\` of the primary's manifest checks that secret; the primary's istiod logs say why it cannot reach this cluster's API server`,
      },
    ];
  return [
    {
      state: "error",
      message: `${kind} ${w.metadata?.name ?? ""} has no CA bundle (${without.join(", ")}): the API server cannot call istiod`,
      hint: `istiod writes the bundle when it runs: check \`kubectl -n ${ns} logs deployment/${writer.local}\`, or restart it (\`kubectl -n ${ns} rollout restart deployment/${writer.local}\`)`,
    },
  ];
};

/** The writer of the bundles of webhooks calling `istiod` (a Deployment name) in this plan. */
function writerFor(plan: InstallPlan, istiod: string): BundleWriter {
  const primary = remotePrimary(plan);
  return primary === undefined
    ? { local: istiod }
    : { primary: primary.clusterName, cluster: plan.mesh.multiCluster?.clusterName ?? "" };
}

/**
 * Profile remote: the injector's webhooks call the `istiod` Service on the path the primary's
 * istiod serves for this cluster (`istiodRemote.injectionPath`); another path injects with
 * another cluster's or network's settings.
 */
function remoteInjectorIssues(injector: WebhookConfig, release: PlannedRelease | undefined): Issue[] {
  const want = obj(obj(release?.values).istiodRemote).injectionPath;
  if (typeof want !== "string" || want === "") return [];
  const wrong = (injector.webhooks ?? []).filter(
    (h) => h.clientConfig?.service !== undefined && h.clientConfig.service.path !== want,
  );
  if (wrong.length === 0) return [];
  return [
    {
      state: "error",
      message: `injector ${injector.metadata?.name ?? ""} calls path ${wrong[0]?.clientConfig?.service?.path ?? "(none)"} (${wrong.map((h) => h.name ?? "").join(", ")}); the primary serves this cluster on ${want}`,
      hint: `\`planton apply\` restores it (Helm release ${release?.name ?? "istiod"}; the path follows spec.multiCluster.clusterName and network)`,
    },
  ];
}

/**
 * Per revision its sidecar-injector webhook with a CA bundle; the `default` tag on the
 * manifest's `defaultRevision` (revisioned meshes); other tags on an installed revision; a
 * validating webhook calling istiod, with a CA bundle.
 */
export const checkWebhooks: CheckFunction = (reads, plan) => {
  const tags = reads.mutatingWebhooks.filter((w) => tagOf(w) !== undefined);
  return [
    ...plannedRevisions(plan).map((rev) => injectorCheck(reads, plan, rev)),
    ...defaultTagCheck(tags, plan),
    ...manifestTagChecks(tags, plan),
    ...otherTagChecks(tags, plan),
    validationCheck(reads, plan),
  ];
};

/** A revision's sidecar-injector webhook calls its istiod (profile remote: the primary), with a CA bundle. */
function injectorCheck(reads: StatusReads, plan: InstallPlan, rev: PlannedRevision): StatusCheck {
  const ns = plan.mesh.namespace;
  const injector = reads.mutatingWebhooks.find(
    (w) => tagOf(w) === undefined && revisionCalled(w, ns) === rev.revision,
  );
  const name = `injector/${rev.revision}`;
  if (injector === undefined)
    return combine("webhooks", name, "", [
      {
        state: "error",
        message: `no sidecar-injector webhook calls ${ns}/${rev.deployment}: pods of revision ${rev.revision} get no proxy`,
        hint: `\`planton apply\` reinstalls it (Helm release ${rev.release?.name ?? "istiod"})`,
      },
    ]);
  const primary = remotePrimary(plan);
  const path = injector.webhooks?.find((h) => h.clientConfig?.service !== undefined)?.clientConfig?.service
    ?.path;
  return combine(
    "webhooks",
    name,
    primary === undefined
      ? `injector ${injector.metadata?.name ?? ""} calls ${rev.deployment}, CA bundle set`
      : `injector ${injector.metadata?.name ?? ""} calls ${rev.deployment} → the primary ${primary.clusterName} (${path ?? "URL"}), CA bundle set`,
    [
      ...(primary === undefined ? [] : remoteInjectorIssues(injector, rev.release)),
      ...caBundleIssue("injector webhook", injector, ns, writerFor(plan, rev.deployment)),
    ],
  );
}

/** The default revision's istiod release renders the `default` tag (unless `helmValues.istiod.revisionTags` leaves it out). */
function rendersDefaultTag(plan: InstallPlan): boolean {
  const release = plan.releases.find((r) => r.name === `istiod-${plan.mesh.defaultRevision}`);
  const tags = release?.values.revisionTags;
  return Array.isArray(tags) && tags.includes("default");
}

/** The missing `default` tag: an error apply repairs, or a warning when the manifest leaves it out. */
function missingDefaultTag(plan: InstallPlan): Issue {
  const message = "the default tag is missing: namespaces labelled istio-injection=enabled get no proxy";
  return rendersDefaultTag(plan)
    ? { state: "error", message, hint: "`planton apply` recreates it on spec.defaultRevision" }
    : {
        state: "warning",
        message: `${message} (helmValues.istiod.revisionTags leaves it out, as an adopted Helm mesh had it)`,
        hint: "add `default` to helmValues.istiod.revisionTags and apply, if those namespaces should get a proxy",
      };
}

/** Revisioned meshes: the `default` tag points at the manifest's `defaultRevision`. */
function defaultTagCheck(tags: WebhookConfig[], plan: InstallPlan): StatusCheck[] {
  const ns = plan.mesh.namespace;
  const wantDefault = plan.mesh.defaultRevision;
  if (wantDefault === "") return [];
  const hook = tags.find((w) => tagOf(w) === "default");
  const points = hook === undefined ? undefined : revisionCalled(hook, ns);
  const issues: Issue[] =
    hook === undefined
      ? [missingDefaultTag(plan)]
      : points !== wantDefault
        ? [
            {
              state: "error",
              message: `the default tag points at revision ${points ?? "(none)"}; the manifest says ${wantDefault} (spec.defaultRevision)`,
              hint: "`planton apply` moves it to spec.defaultRevision",
            },
          ]
        : caBundleIssue("tag webhook", hook, ns, writerFor(plan, `istiod-${wantDefault}`));
  return [combine("webhooks", "tag/default", `default tag → ${wantDefault}`, issues)];
}

/** The manifest's revision tags: present, and pointing where spec.revisionTags says. */
function manifestTagChecks(tags: WebhookConfig[], plan: InstallPlan): StatusCheck[] {
  const ns = plan.mesh.namespace;
  return Object.entries(plan.mesh.revisionTags ?? {}).map(([tag, want]) => {
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
          : caBundleIssue("tag webhook", hook, ns, writerFor(plan, `istiod-${want}`));
    return combine("webhooks", `tag/${tag}`, `tag ${tag} → ${want}`, issues);
  });
}

/** Tags the manifest does not name: each on a revision this mesh runs (else a warning), with a CA bundle. */
function otherTagChecks(tags: WebhookConfig[], plan: InstallPlan): StatusCheck[] {
  const ns = plan.mesh.namespace;
  const installed = new Set(plannedRevisions(plan).map((r) => r.revision));
  const named = (tag: string) =>
    (tag === "default" && plan.mesh.defaultRevision !== "") || tag in (plan.mesh.revisionTags ?? {});
  return tags
    .filter((hook) => !named(tagOf(hook) ?? ""))
    .map((hook) => {
      const tag = tagOf(hook) ?? "";
      const points = revisionCalled(hook, ns);
      return combine(
        "webhooks",
        `tag/${tag}`,
        `tag ${tag} → ${points}`,
        points !== undefined && installed.has(points)
          ? caBundleIssue(
              "tag webhook",
              hook,
              ns,
              writerFor(plan, points === "default" ? "istiod" : `istiod-${points}`),
            )
          : [
              {
                state: "warning",
                message: `tag ${tag} points at revision ${points ?? "(none)"}, which this mesh does not run: its namespaces get no proxy`,
                hint: `point it at a revision of the manifest (${[...installed].join(", ")}): \`istioctl tag set ${tag} --revision REVISION --overwrite\`, or remove it with \`istioctl tag remove ${tag}\``,
              },
            ],
      );
    });
}

/** A validating webhook calls istiod in the control plane's namespace, with a CA bundle. */
function validationCheck(reads: StatusReads, plan: InstallPlan): StatusCheck {
  const ns = plan.mesh.namespace;
  const validators = reads.validatingWebhooks.filter((w) =>
    (w.webhooks ?? []).some(
      (h) => h.clientConfig?.service?.namespace === ns && h.clientConfig.service.name.startsWith("istiod"),
    ),
  );
  if (validators.length === 0)
    return combine("webhooks", "validation", "", [
      {
        state: "error",
        message: `no validating webhook calls istiod in ${ns}: invalid Istio configuration is accepted unchecked`,
        hint: "`planton apply` reinstalls it (Helm releases istio-base and istiod)",
      },
    ]);
  const calledIstiod = (v: WebhookConfig) =>
    v.webhooks?.find((h) => h.clientConfig?.service?.namespace === ns)?.clientConfig?.service?.name ??
    "istiod";
  return combine(
    "webhooks",
    "validation",
    `validating ${plural(validators.length, "webhook")} present (${validators.map((v) => v.metadata?.name ?? "").join(", ")})`,
    validators.flatMap((v) => caBundleIssue("validating webhook", v, ns, writerFor(plan, calledIstiod(v)))),
  );
}
