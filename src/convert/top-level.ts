import { defaultIstioVersion } from "../istio/versions.js";
import { type Chart, type Context, removedBefore124 } from "./context.js";
import { dropOverlays } from "./k8s.js";
import { onlyDisables, show, type Source } from "./source.js";

/** profile, hub, tag, namespace and the other top-level spec fields. */
export function convertTop(ctx: Context, src: Source): void {
  applyProfile(ctx, src, takeProfile(ctx, src));
  ctx.spec.profile = ctx.profile;
  convertPlacement(ctx, src);
  dropTopLevel(ctx, src);
}

/** The profile named by `profile`, else by the Helm profile istioctl's own profiles set. */
function takeProfile(ctx: Context, src: Source): string {
  // the Helm profile istioctl's own profiles pass to the charts (demo, ambient)
  const helmProfile = src.takeString("values", "profile");
  let profile = src.takeString("profile") ?? "";
  if (profile !== "") ctx.profilePath = src.at("profile");
  if (helmProfile !== undefined && helmProfile !== profile) {
    if (profile === "" && ["demo", "ambient", "remote"].includes(helmProfile)) {
      profile = helmProfile;
      ctx.profilePath = src.at("values", "profile");
    } else
      ctx.notes.dropped(
        src.at("values", "profile"),
        `Helm profile ${show(helmProfile)} differs from the profile ${show(profile || "default")}`,
      );
  }
  return profile;
}

/** IstioOperator profiles that are planton's own too. */
const plantonProfiles = ["", "default", "minimal", "demo", "ambient", "remote"];

/** The planton profile an istioctl-only profile becomes, what it adds, and the note saying so. */
interface Translation {
  as: string;
  /** The profile's meaning is lost (a dropped note), not restated (a changed note). */
  lost?: true;
  adds?: (ctx: Context) => void;
  note: string;
}

const allCharts: Chart[] = ["base", "istiod", "cni", "ztunnel", "gateway"];
const onOpenshift = (ctx: Context) => {
  for (const chart of allCharts) ctx.helmValue(chart, ["global", "platform"], "openshift");
};
const openshiftNote = (profile: string, as: string) =>
  `${profile} is ${as} with CNI on the openshift platform; planton installs CNI in spec.namespace, not kube-system`;

const translations = new Map<string, Translation>([
  [
    "empty",
    {
      as: "minimal",
      lost: true,
      note: "the empty profile installs nothing by itself; planton always installs base and istiod, so this is minimal",
    },
  ],
  [
    "preview",
    {
      as: "default",
      adds: (ctx) =>
        ctx.helmValue(
          "istiod",
          ["meshConfig", "defaultConfig", "proxyMetadata", "ISTIO_META_DNS_CAPTURE"],
          "true",
        ),
      note: "preview is default plus DNS capture; written as profile: default with meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE",
    },
  ],
  [
    "stable",
    {
      as: "default",
      adds: (ctx) => {
        ctx.helmValue("base", ["profile"], "stable");
        ctx.helmValue("istiod", ["profile"], "stable");
      },
      note: "stable is the default profile with the charts' stable profile",
    },
  ],
  [
    "openshift",
    {
      as: "default",
      adds: (ctx) => {
        onOpenshift(ctx);
        ctx.section("cni").enabled = true;
      },
      note: openshiftNote("openshift", "default"),
    },
  ],
  [
    "openshift-ambient",
    { as: "ambient", adds: onOpenshift, note: openshiftNote("openshift-ambient", "ambient") },
  ],
]);

/** An IstioOperator profile as planton's profile plus what it adds (noted), or default. */
function applyProfile(ctx: Context, src: Source, profile: string): void {
  if (plantonProfiles.includes(profile)) {
    ctx.profile = profile || "default";
    return;
  }
  const t = translations.get(profile);
  if (t === undefined) {
    ctx.profile = "default";
    ctx.notes.dropped(
      src.at("profile"),
      `profile ${show(profile)} has no planton equivalent (minimal, default, demo, ambient); default used`,
    );
    return;
  }
  ctx.profile = t.as;
  t.adds?.(ctx);
  if (t.lost) ctx.notes.dropped(src.at("profile"), t.note);
  else ctx.notes.changed(src.at("profile"), t.note);
}

/** Namespace, hub, tag and compatibility version: the top-level field over its `values` twin. */
function convertPlacement(ctx: Context, src: Source): void {
  const ns = winning(ctx, src, ["namespace"], ["values", "global", "istioNamespace"]);
  ctx.namespace = ns?.value || "istio-system";
  if (ctx.namespace !== "istio-system") ctx.spec.namespace = ctx.namespace;

  const hub = winning(ctx, src, ["hub"], ["values", "global", "hub"]);
  if (hub?.value) ctx.section("images").hub = hub.value;
  const tag = winning(ctx, src, ["tag"], ["values", "global", "tag"]);
  if (tag?.value) ctx.applyTag(tag.value, tag.path);

  const compat = winning(ctx, src, ["compatibilityVersion"], ["values", "compatibilityVersion"]);
  if (compat !== undefined)
    for (const chart of allCharts) ctx.helmValue(chart, ["compatibilityVersion"], compat.value);
}

/** Top-level fields with no planton equivalent. */
function dropTopLevel(ctx: Context, src: Source): void {
  if (src.take("installPackagePath") !== undefined)
    ctx.notes.dropped(
      src.at("installPackagePath"),
      "planton installs Istio's published charts; point spec.charts.repository at a mirror or a directory of chart archives instead",
    );
  if (src.take("unvalidatedValues") !== undefined)
    ctx.notes.dropped(src.at("unvalidatedValues"), "unvalidated values have no planton equivalent");
  if (src.take("resourceSuffix") !== undefined)
    ctx.notes.dropped(src.at("resourceSuffix"), `${removedBefore124}`);
  if (src.take("defaultRevision") !== undefined)
    ctx.notes.dropped(src.at("defaultRevision"), "planton picks the default revision (spec.defaultRevision)");
}

/** Components and add-ons Istio removed, and components planton always or never installs. */
export function convertRemoved(ctx: Context, src: Source): void {
  const removed: Record<string, string> = {
    policy: "the Mixer policy component",
    telemetry: "the Mixer telemetry component",
    citadel: "Citadel (istiod is the CA)",
    galley: "Galley (part of istiod)",
    sidecarInjector: "the separate sidecar injector (part of istiod)",
    nodeAgent: "the node agent",
  };
  for (const [c, what] of Object.entries(removed)) {
    const v = src.take("components", c);
    if (v !== undefined && !onlyDisables(v))
      ctx.notes.dropped(src.at("components", c), `${what}, ${removedBefore124}`);
  }
  // istioctl (1.24 and later) has no istiodRemote component: `enabled: false` says nothing, and
  // `enabled: true` meant the remote profile, which is `profile: remote` now
  const remote = src.takeBool("components", "istiodRemote", "enabled");
  if (remote === true && ctx.profile !== "remote")
    ctx.notes.dropped(
      src.at("components", "istiodRemote", "enabled"),
      "istioctl has no istiodRemote component any more; for a remote cluster set profile: remote (convert maps it to planton's profile: remote)",
    );
  dropOverlays(ctx, src, "components", "base", "k8s");
  const base = src.takeBool("components", "base", "enabled");
  if (base === false)
    ctx.notes.dropped(src.at("components", "base", "enabled"), "planton always installs base (Istio's CRDs)");
  const addons = src.take("addonComponents");
  if (addons !== undefined && !onlyDisables(addons))
    ctx.notes.dropped(src.at("addonComponents"), `add-on components, ${removedBefore124}`);
}

/** `spec.revision`: one revision of the version read, which holds the default tag. */
export function finishRevision(ctx: Context, src: Source): void {
  const picked = winning(ctx, src, ["revision"], ["values", "revision"]);
  const revision = picked?.value;
  if (!picked || !revision) return;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(revision) || revision.length > 46 || revision === "default") {
    ctx.notes.dropped(
      picked.path,
      `revision ${show(revision)} is not a DNS-1123 label of at most 46 characters other than "default"; installed without a revision`,
    );
    return;
  }
  ctx.spec.revisions = [{ name: revision, version: ctx.spec.version ?? defaultIstioVersion }];
  ctx.spec.defaultRevision = revision;
  delete ctx.spec.version;
  ctx.notes.changed(
    picked.path,
    `revision ${revision} written as spec.revisions; as the only revision it holds the default tag (istio-injection=enabled uses it)`,
  );
}

/**
 * A top-level field that istioctl also reads from `spec.values` (`hub` from `values.global.hub`,
 * …). istioctl merges `spec.values` last, so that one wins: its value and path are returned, and
 * a typed value that differs is noted as dropped.
 */
function winning(
  ctx: Context,
  src: Source,
  typed: string[],
  values: string[],
): { value: string; path: string } | undefined {
  const t = src.takeString(...typed);
  const v = src.takeString(...values);
  if (v !== undefined && t !== undefined && v !== t)
    ctx.notes.dropped(
      src.at(...typed),
      `${show(t)}: ${src.at(...values)} (${show(v)}) is applied over it, as istioctl does`,
    );
  if (v !== undefined) return { value: v, path: src.at(...values) };
  if (t !== undefined) return { value: t, path: src.at(...typed) };
  return undefined;
}
