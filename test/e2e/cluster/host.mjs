// Small host-side helpers shared by the harness scripts (harness.mjs, istiod.mjs, agent.mjs,
// bundles.mjs): where the e2e cache lives, a sleep, a free TCP port on 127.0.0.1, the end of a log.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** The e2e cache (binaries, bundles): ${PLANTON_E2E_CACHE:-~/.cache/planton-e2e}. */
export const cacheRoot = () =>
  process.env.PLANTON_E2E_CACHE || path.join(os.homedir(), ".cache", "planton-e2e");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a log file, or "(no log)" when it cannot be read. */
export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
