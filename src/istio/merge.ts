/** A JSON-like value tree, as Helm values are. */
export type Values = Record<string, unknown>;

function isPlainObject(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges `over` into a copy of `base` the way Helm merges values files: maps merge key by
 * key, lists and scalars replace, and `null` is kept (Helm reads it as "delete the chart's
 * default"). Neither input is modified.
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/** Drops keys whose value is `undefined`, recursively, so plans contain only what is set. */
export function compact(v: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined) continue;
    if (isPlainObject(value)) {
      const inner = compact(value);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else {
      out[key] = value;
    }
  }
  return out;
}
