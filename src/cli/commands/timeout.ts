import { UsageError } from "../../errors.js";

/**
 * `--timeout`: whole seconds from 1 to 86400, or a duration such as `90s`, `10m`, `1h`.
 * Anything else is a usage error (exit 2).
 */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,6})(s|m|h)?$/.exec(value.trim());
  const seconds = m === null ? Number.NaN : Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] ?? "s"] ?? 1);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new UsageError(
      `--timeout ${JSON.stringify(value)}: give whole seconds from 1 to 86400, or a duration such as 90s, 10m or 1h`,
      "for example --timeout 900",
    );
  return seconds;
}
