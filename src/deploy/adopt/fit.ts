import type { Values } from "../../istio/merge.js";
import type { Component } from "../../istio/types.js";

/**
 * Fitting planton's values to a live release's: what must go under `helmValues` so that the
 * plan sends the chart what the release has now, and what planton adds that the release lacks.
 * Pure.
 */

const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The overlay that turns `planned` into `live` where `live` sets a key: maps recurse, anything
 * else that differs is taken whole from `live`. Keys only `planned` has are not in it (see
 * `plannedOnly`). `mergeValues(planned, overlay(planned, live))` equals `live` on its keys.
 */
export function overlay(planned: Values, live: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(live)) {
    const p = planned[key];
    if (isMap(p) && isMap(value)) {
      const inner = overlay(p, value);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (!(key in planned) || !same(p, value)) out[key] = value;
  }
  return out;
}

/** Leaves (dotted path → value) that `planned` sets and `live` does not. */
export function plannedOnly(planned: Values, live: Values, path = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(planned)) {
    const p = path === "" ? key : `${path}.${key}`;
    const l = live[key];
    if (!(key in live)) {
      if (isMap(value) && Object.keys(value).length > 0) out.push(...plannedOnly(value, {}, p));
      else out.push([p, value]);
    } else if (isMap(value) && isMap(l)) out.push(...plannedOnly(value, l, p));
  }
  return out;
}

/** The leaves two overlays share with equal values (what every istiod release has in common). */
export function common(a: Values, b: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(a)) {
    if (!(key in b)) continue;
    const other = b[key];
    if (isMap(value) && isMap(other)) {
      const inner = common(value, other);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (same(value, other)) out[key] = value;
  }
  return out;
}

/**
 * Values planton always sends that equal what the chart does without them, per chart and
 * dotted path, as a function of the release's chart version: a release that lacks them renders
 * the same objects (an image tag left empty falls back to the chart's appVersion, the Istio
 * version). test/fidelity/adopt-defaults.test.ts renders each with and without the key.
 */
export const chartDefaults: Record<Component, Record<string, (version: string) => unknown>> = {
  base: {
    defaultRevision: () => "default",
    "global.istioNamespace": () => "istio-system",
  },
  istiod: {
    "global.istioNamespace": () => "istio-system",
    "global.tag": (version) => version,
    "global.defaultPodDisruptionBudget.enabled": () => true,
  },
  cni: { "global.tag": (version) => version },
  ztunnel: {
    tag: (version) => version,
    istioNamespace: () => "istio-system",
  },
  gateway: {},
};

/** What planton adds to a live release that changes what the chart renders (chart defaults left out). */
export function addedByPlanton(
  component: Component,
  version: string,
  planned: Values,
  live: Values,
): [string, unknown][] {
  const defaults = chartDefaults[component];
  return plannedOnly(planned, live).filter(([path, value]) => {
    const chartDefault = defaults[path];
    return chartDefault === undefined || !same(chartDefault(version), value);
  });
}
