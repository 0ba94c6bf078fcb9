import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readerRules } from "../../src/istio/remotes.js";
import type { PlannedObject, PlannedRelease } from "../../src/istio/types.js";
import { root } from "../helpers/paths.js";
import { find, type K8sObject, renderRelease, useChartRepository } from "./helm.js";
import { meaningful } from "./mutate.js";
import { renderManifest } from "./render-plan.js";

/**
 * What Istio's multi-cluster guides install, from the real charts with the plan's values: the
 * east-west gateway as a network gateway, the remote profile's injector pointing at the
 * primary, the primary as external control plane, the reader rules the remote secrets grant,
 * and the Istio objects against the CRDs base installs.
 */

const charts = useChartRepository();
const example = (path: string) => `${root}/examples/multicluster/${path}.yaml`;
/** Renders `examples/multicluster/<path>.yaml` at `version` with the real charts. */
const renderExample = (path: string, version: string) =>
  renderManifest(charts.helm, charts.repo, example(path), [`spec.version=${version}`]);
const fixture = (name: string) => `${root}/test/fixtures/manifests/valid/${name}.yaml`;
const versions = ["1.29.6", "1.30.3"];

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are free-form
const podTemplate = (o: K8sObject): any => o.spec.template;

/** Checks that every key of `value` is one the CRD's OpenAPI schema knows (enums too). */
// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schema nodes
function assertFitsSchema(schema: any, value: unknown, path: string): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertFitsSchema(schema.items, v, `${path}[${i}]`);
    return;
  }
  if (typeof value === "object" && value !== null) {
    if (schema["x-kubernetes-preserve-unknown-fields"] === true && schema.properties === undefined) return;
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? schema.additionalProperties;
      assert.ok(sub !== undefined, `${path}.${k} is not in the CRD's schema`);
      assertFitsSchema(sub, v, `${path}.${k}`);
    }
    return;
  }
  if (Array.isArray(schema.enum))
    assert.ok(schema.enum.includes(value), `${path}: ${value} not in ${schema.enum}`);
}

function assertObjectsFitCrds(objects: PlannedObject[], rendered: K8sObject[]): void {
  for (const o of objects) {
    const [group, version] = o.manifest.apiVersion.split("/");
    const crd = rendered.find(
      (x) =>
        x.kind === "CustomResourceDefinition" &&
        x.spec.group === group &&
        x.spec.names.kind === o.manifest.kind,
    );
    assert.ok(crd, `base installs the CRD of ${o.manifest.kind}`);
    const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
    assert.ok(v?.served, `${o.manifest.apiVersion} ${o.manifest.kind} is served`);
    assertFitsSchema(v.schema.openAPIV3Schema.properties.spec, o.manifest.spec, `${o.manifest.kind}.spec`);
  }
}

describe("multi-primary: the east-west gateway is a network gateway of the cluster's network", () => {
  for (const version of versions) {
    it(`east.yaml at ${version}`, async () => {
      const r = await renderExample("multi-primary/east", version);
      const ew = r.releases.get("istio-eastwestgateway") ?? [];
      const svc = find(ew, "Service", "istio-eastwestgateway");
      assert.deepEqual(
        svc.spec.ports.map((p: { name: string; port: number }) => `${p.name}:${p.port}`),
        ["status-port:15021", "tls:15443", "tls-istiod:15012", "tls-webhook:15017"],
      );
      assert.equal(svc.spec.type, "LoadBalancer");
      assert.equal(svc.metadata.labels?.["topology.istio.io/network"], "net-east");
      const pod = podTemplate(find(ew, "Deployment", "istio-eastwestgateway"));
      assert.equal(pod.metadata.labels["topology.istio.io/network"], "net-east");
      assert.equal(pod.metadata.labels.istio, "eastwestgateway");
      assert.equal(pod.metadata.labels.app, "istio-eastwestgateway");
      assert.deepEqual(svc.spec.selector, { app: "istio-eastwestgateway", istio: "eastwestgateway" });
      const env = pod.spec.containers[0].env as { name: string; value: string }[];
      assert.ok(env.some((e) => e.name === "ISTIO_META_REQUESTED_NETWORK_VIEW" && e.value === "net-east"));
      // istiod knows its cluster and network
      const istiod = find(r.releases.get("istiod") ?? [], "Deployment", "istiod");
      const istiodEnv = podTemplate(istiod).spec.containers[0].env as { name: string; value?: string }[];
      assert.ok(istiodEnv.some((e) => e.name === "CLUSTER_ID" && e.value === "east"));
      assertObjectsFitCrds(r.plan.objects, r.releases.get("istio-base") ?? []);
    });
  }

  it("a renamed east-west gateway keeps the pod label the Gateway objects select", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("multicluster-remote-snake"));
    const pod = podTemplate(find(r.releases.get("edge-eastwest") ?? [], "Deployment", "edge-eastwest"));
    assert.equal(pod.metadata.labels.istio, "eastwestgateway");
    assert.equal(pod.metadata.annotations["example.com/role"], "east-west", "its own helmValues apply");
  });
});

/** The URL the API server calls for a webhook: a URL, or the Service's endpoint (EndpointSlice or ExternalName). */
function webhookTarget(
  clientConfig: { url?: string; service?: { name: string; namespace: string; path: string; port?: number } },
  objects: K8sObject[],
): string {
  if (clientConfig.url) return clientConfig.url;
  const ref = clientConfig.service;
  assert.ok(ref);
  const svc = find(objects, "Service", ref.name);
  // a webhook Service reference without a port means 443
  const port = svc.spec.ports.find((p: { port: number }) => p.port === (ref.port ?? 443));
  const target = port.targetPort ?? port.port;
  if (svc.spec.type === "ExternalName") return `https://${svc.spec.externalName}:${target}${ref.path}`;
  const slice = objects.find(
    (o) => o.kind === "EndpointSlice" && o.metadata.labels?.["kubernetes.io/service-name"] === ref.name,
  );
  assert.ok(slice, "an EndpointSlice for the Service");
  // biome-ignore lint/suspicious/noExplicitAny: rendered EndpointSlice
  const endpoint = (slice as any).endpoints[0].addresses[0];
  // biome-ignore lint/suspicious/noExplicitAny: rendered EndpointSlice
  assert.ok((slice as any).ports.some((p: { port: number }) => p.port === target));
  return `https://${endpoint}:${target}${ref.path}`;
}

describe("primary-remote: the remote profile's injector calls the primary", () => {
  for (const version of versions) {
    it(`remote.yaml at ${version}`, async () => {
      const r = await renderExample("primary-remote/remote", version);
      const istiod = r.releases.get("istiod") ?? [];
      assert.ok(!istiod.some((o) => o.kind === "Deployment"), "no istiod Deployment in a remote cluster");
      const mwc = find(istiod, "MutatingWebhookConfiguration", "istio-sidecar-injector");
      assert.ok(mwc.webhooks.length > 0);
      for (const w of mwc.webhooks)
        assert.equal(
          webhookTarget(w.clientConfig, istiod),
          "https://192.0.2.10:15017/inject/cluster/remote/net/net-remote",
          w.name,
        );
      // base's default validator calls the same Service, so it reaches the primary too
      const base = r.releases.get("istio-base") ?? [];
      const vwc = find(base, "ValidatingWebhookConfiguration", "istiod-default-validator");
      assert.equal(
        webhookTarget(vwc.webhooks[0].clientConfig, [...istiod, ...base]),
        "https://192.0.2.10:15017/validate",
      );
      // a DNS name becomes an ExternalName Service
      const named = await renderManifest(charts.helm, charts.repo, fixture("multicluster-remote-snake"), [
        `spec.version=${version}`,
      ]);
      const namedIstiod = named.releases.get("istiod") ?? [];
      const namedMwc = find(namedIstiod, "MutatingWebhookConfiguration", "istio-sidecar-injector");
      assert.equal(
        webhookTarget(namedMwc.webhooks[0].clientConfig, namedIstiod),
        "https://istiod.hub.example.com:15017/inject/cluster/edge-1/net/net-edge",
      );
    });

    it(`base renders the same with or without profile remote at ${version}`, async () => {
      const r = await renderExample("primary-remote/remote", version);
      const base = r.plan.releases.find((x) => x.name === "istio-base") as PlannedRelease;
      const withProfile = await renderRelease(charts.helm, base, charts.repo, {
        ...base.values,
        profile: "remote",
      });
      assert.equal(meaningful(withProfile.objects), meaningful(r.releases.get("istio-base") ?? []));
    });

    it(`primary.yaml at ${version}: istiod is the external control plane; istiod exposed on the gateway`, async () => {
      const r = await renderExample("primary-remote/primary", version);
      const istiod = find(r.releases.get("istiod") ?? [], "Deployment", "istiod");
      const env = podTemplate(istiod).spec.containers[0].env as { name: string; value?: string }[];
      assert.ok(env.some((e) => e.name === "EXTERNAL_ISTIOD" && e.value === "true"));
      const svc = find(r.releases.get("istio-eastwestgateway") ?? [], "Service", "istio-eastwestgateway");
      const ports = svc.spec.ports.map((p: { port: number }) => p.port);
      for (const p of [15443, 15012, 15017]) assert.ok(ports.includes(p), `port ${p}`);
      // the VirtualService routes to istiod's Service ports as rendered
      const istiodSvc = find(r.releases.get("istiod") ?? [], "Service", "istiod");
      const svcPorts = istiodSvc.spec.ports.map(
        (p: { port: number; targetPort?: number }) => `${p.port}→${p.targetPort ?? p.port}`,
      );
      assert.ok(svcPorts.includes("15012→15012") && svcPorts.includes("443→15017"), svcPorts.join());
      assertObjectsFitCrds(r.plan.objects, r.releases.get("istio-base") ?? []);
    });
  }
});

describe("the default validator fails open in a remote cluster, closed on a primary", () => {
  for (const version of ["1.28.10", ...versions]) {
    it(`remote.yaml and primary.yaml at ${version}`, async () => {
      const validator = async (file: string) => {
        const r = await renderExample(file, version);
        // the remote profile's istiod renders no validator of its own: base's is the only one
        const all = r.all.filter((o) => o.kind === "ValidatingWebhookConfiguration");
        return {
          all,
          base: find(
            r.releases.get("istio-base") ?? [],
            "ValidatingWebhookConfiguration",
            "istiod-default-validator",
          ),
        };
      };
      const remote = await validator("primary-remote/remote");
      assert.deepEqual(
        remote.all.map((o) => o.metadata.name),
        ["istiod-default-validator"],
      );
      // no CA bundle until the primary's istiod patches one in: Ignore, not Fail
      assert.equal(remote.base.webhooks[0].clientConfig.caBundle, undefined);
      assert.equal(remote.base.webhooks[0].failurePolicy, "Ignore");
      const primary = await validator("primary-remote/primary");
      for (const o of primary.all)
        for (const w of o.webhooks) assert.equal(w.failurePolicy, "Fail", `${o.metadata.name} ${w.name}`);
    });
  }
});

describe("profile remote: what meshConfig, proxy, controlPlane and container would set reaches nothing", () => {
  for (const version of ["1.28.10", ...versions]) {
    it(`remote.yaml at ${version}: only the chart's values dump changes`, async () => {
      const r = await renderExample("primary-remote/remote", version);
      const istiod = r.plan.releases.find((x) => x.name === "istiod") as PlannedRelease;
      // what istiodValues sends for those fields on a primary (validate refuses them with profile remote)
      const extra = {
        meshConfig: {
          accessLogFile: "/dev/stdout",
          outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
          trustDomain: "example.org",
        },
        global: { proxy: { resources: { requests: { cpu: "300m", memory: "1Gi" } } } },
        pilot: {
          autoscaleEnabled: false,
          replicaCount: 3,
          resources: { requests: { cpu: "3", memory: "4Gi" } },
          traceSampling: "5",
        },
      };
      const base = await renderRelease(charts.helm, istiod, charts.repo);
      const withExtra = await renderRelease(charts.helm, istiod, charts.repo, {
        ...istiod.values,
        ...extra,
        global: { ...(istiod.values.global as object), ...extra.global },
      });
      assert.equal(meaningful(withExtra.objects), meaningful(base.objects));
      assert.notEqual(withExtra.text, base.text, "the values reach the chart (its values dump)");
      assert.ok(
        !base.objects.some(
          (o) => o.kind === "ConfigMap" && /^istio(-sidecar-injector)?$/.test(o.metadata.name),
        ),
      );
    });
  }
});

describe("remote secrets grant what the istiod chart's reader ClusterRole grants", () => {
  for (const version of ["1.28.10", ...versions]) {
    for (const servesRemotes of [false, true]) {
      it(`${version}${servesRemotes ? ", serving remote clusters" : ""}`, async () => {
        const r = await renderExample("multi-primary/east", version);
        const istiod = r.plan.releases.find((x) => x.name === "istiod") as PlannedRelease;
        const values = servesRemotes ? { ...istiod.values, istiodRemote: { enabled: true } } : istiod.values;
        const rendered = await renderRelease(charts.helm, istiod, charts.repo, values);
        const role = find(rendered.objects, "ClusterRole", "istio-reader-clusterrole-istio-system");
        // biome-ignore lint/suspicious/noExplicitAny: rendered rules
        const rules = (role as any).rules.map((x: any) => ({
          apiGroups: x.apiGroups,
          resources: x.resources,
          verbs: x.verbs,
        }));
        assert.deepEqual(readerRules(version, servesRemotes), rules);
      });
    }
  }
});

describe("a gateway's own helmValues change only that gateway's rendering", () => {
  for (const version of versions) {
    it(`gateway-helm-values at ${version}`, async () => {
      const r = await renderManifest(charts.helm, charts.repo, fixture("gateway-helm-values"), [
        `spec.version=${version}`,
      ]);
      const deployment = (name: string) => find(r.releases.get(name) ?? [], "Deployment", name);
      const service = (name: string) => find(r.releases.get(name) ?? [], "Service", name);
      const partner = podTemplate(deployment("partner-gateway"));
      const open = podTemplate(deployment("public-gateway"));
      assert.equal(partner.metadata.annotations["example.com/partner"], "acme");
      assert.equal(partner.spec.terminationGracePeriodSeconds, 120);
      assert.equal(open.metadata.annotations["example.com/partner"], undefined);
      assert.equal(open.spec.terminationGracePeriodSeconds, 30);
      for (const p of [partner, open]) assert.equal(p.metadata.annotations["example.com/shared"], "yes");
      assert.equal(service("partner-gateway").metadata.annotations?.["example.com/lb"], "external");
      assert.equal(service("public-gateway").metadata.annotations?.["example.com/lb"], "internal");
    });
  }
});
