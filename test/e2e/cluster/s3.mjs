// A real S3-compatible object store for the e2e tests: SeaweedFS's `weed server -filer -s3`
// (built by scripts/e2e-build.sh seaweedfs) on 127.0.0.1, every port chosen free, one bucket
// made with `weed shell`, and one identity whose keys the tests pass as AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. Buckets are never created on upload (-s3.autoCreateBucket=false), so a
// missing bucket stays missing.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { cacheRoot, freePort, sleep } from "./host.mjs";

function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitFor(what, fn, proc, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${what}: weed exited (${proc.exitCode ?? proc.signalCode}):\n${tail(proc.logPath)}`);
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}\n${tail(proc.logPath)}`);
}

/** The identity file: one admin identity with the given keys (and no anonymous access). */
function writeIdentities(file, accessKey, secretKey) {
  const identity = {
    name: "planton-e2e",
    credentials: [{ accessKey, secretKey }],
    actions: ["Admin", "Read", "List", "Tagging", "Write"],
  };
  fs.writeFileSync(file, JSON.stringify({ identities: [identity] }, null, 2), { mode: 0o600 });
}

/**
 * Starts the store (a second and third time on new ports if a port chosen free was taken
 * meanwhile by a process started beside it) and creates `bucket`. Resolves to { endpoint (http://127.0.0.1:PORT), bucket,
 * region, accessKey, secretKey, url(bucket?), objects(bucket?), put(key, body), stop(), dir, logPath }.
 */
export async function startS3(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(e.message)) throw e;
    }
  }
}

async function startOnce(opts) {
  const weed = path.join(opts.binDir ?? path.join(cacheRoot(), "bin"), "weed");
  if (!fs.existsSync(weed)) throw new Error(`${weed} is missing: run scripts/e2e-build.sh seaweedfs`);
  const dir = fs.mkdtempSync(path.join(opts.workDir ?? os.tmpdir(), "s3-"));
  const bucket = opts.bucket ?? "planton-state";
  const region = "us-east-1";
  const accessKey = `AK${randomBytes(9).toString("hex").toUpperCase()}`;
  const secretKey = randomBytes(24).toString("base64url");
  const config = path.join(dir, "identities.json");
  writeIdentities(config, accessKey, secretKey);
  const names = ["master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc"];
  const ports = {};
  for (const n of names) ports[n] = await freePort();
  const data = path.join(dir, "data");
  fs.mkdirSync(data);
  const args = [
    "server",
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    `-dir=${data}`,
    "-filer",
    "-s3",
    `-s3.config=${config}`,
    "-s3.autoCreateBucket=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-master.volumeSizeLimitMB=64",
    "-volume.max=16",
    "-volume.preStopSeconds=0",
    ...names.map((n) => `-${n.replace(".grpc", ".port.grpc").replace(/^(\w+)$/, "$1.port")}=${ports[n]}`),
  ];
  const logPath = path.join(dir, "weed.log");
  const fd = fs.openSync(logPath, "a");
  const proc = spawn(weed, args, { stdio: ["ignore", fd, fd], cwd: dir });
  fs.closeSync(fd);
  proc.logPath = logPath;
  const onExit = () => proc.exitCode === null && proc.signalCode === null && proc.kill("SIGKILL");
  process.on("exit", onExit);
  try {
    return await ready();
  } catch (e) {
    onExit();
    process.off("exit", onExit);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  async function ready() {
    const endpoint = `http://127.0.0.1:${ports.s3}`;
    const filer = `http://127.0.0.1:${ports.filer}`;
    // the S3 gateway answers once the filer behind it does; any HTTP answer will do
    await waitFor("the S3 gateway", async () => (await get(`${endpoint}/`)).status > 0, proc);
    await waitFor("the filer", async () => (await get(`${filer}/`)).status === 200, proc);
    execFileSync(
      weed,
      [
        "shell",
        `-master=127.0.0.1:${ports.master}.${ports["master.grpc"]}`,
        `-filer=127.0.0.1:${ports.filer}.${ports["filer.grpc"]}`,
      ],
      {
        input: `s3.bucket.create -name ${bucket}\n`,
        cwd: dir,
        stdio: ["pipe", "ignore", "pipe"],
      },
    );
    await waitFor(
      `bucket ${bucket}`,
      async () => (await get(`${filer}/buckets/${bucket}/`)).status === 200,
      proc,
    );

    /** The backend URL as users write it for an S3-compatible store. */
    const url = (b = bucket) => `s3://${b}?endpoint=${endpoint}&s3ForcePathStyle=true&region=${region}`;

    /** Every object in a bucket, key -> bytes, read through the filer that stores them. */
    const objects = async (b = bucket) => {
      const out = new Map();
      const walk = async (prefix) => {
        const r = await get(`${filer}/buckets/${b}/${prefix}?limit=10000`, { Accept: "application/json" });
        const listing = JSON.parse(r.body.toString("utf8"));
        for (const e of listing.Entries ?? []) {
          const name = e.FullPath.slice(`/buckets/${b}/`.length);
          if (e.Mode & 0x80000000) await walk(`${name}/`);
          else out.set(name, (await get(`${filer}/buckets/${b}/${name}`)).body);
        }
      };
      await walk("");
      return out;
    };

    /** Writes an object as another client would (through the filer that stores the bucket). */
    const put = (key, body, b = bucket) =>
      new Promise((resolve, reject) => {
        const req = http.request(`${filer}/buckets/${b}/${key}`, { method: "PUT", timeout: 5000 }, (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode < 300 ? resolve() : reject(new Error(`PUT ${key}: HTTP ${res.statusCode}`)),
          );
        });
        req.on("error", reject);
        req.end(body);
      });

    const stop = async () => {
      process.off("exit", onExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
        await exited;
        clearTimeout(t);
      }
      if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    };
    return { endpoint, bucket, region, accessKey, secretKey, url, objects, put, stop, dir, logPath };
  }
}
