import { UsageError } from "../errors.js";

/**
 * A duration flag: whole seconds (`900`) or with a unit (`90s`, `10m`, `1h`), from `min` to
 * 86400 seconds. Anything else is a usage error (exit 2) naming the flag.
 */
export function parseDuration(flag: string, value: string, min: number): number {
  const m = /^(\d{1,6})(s|m|h)?$/.exec(value.trim());
  const seconds = m === null ? Number.NaN : Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] ?? "s"] ?? 1);
  if (!Number.isInteger(seconds) || seconds < min || seconds > 86_400)
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: give whole seconds from ${min} to 86400, or a duration such as 90s, 10m or 1h`,
      `for example ${flag} ${flag === "--wait" ? "5m" : "900"}`,
    );
  return seconds;
}

/** `--timeout`: how long each release may take, 1 s to 24 h. */
export function parseTimeout(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration("--timeout", value, 1);
}

/** `--lock-timeout`: how long to wait for another operation's stack lock, 0 s to 24 h. */
export function parseLockTimeout(value: string): number {
  return parseDuration("--lock-timeout", value, 0);
}
