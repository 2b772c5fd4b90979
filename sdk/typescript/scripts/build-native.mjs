// Compiles src/*.c into build/msb.node with the system's C compiler,
// against the headers of the node running this script and the libmsb
// that `pkg-config msb` finds: no node-gyp, nothing downloaded.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nodeInclude = join(dirname(dirname(process.execPath)), "include", "node");

function fail(msg) {
  console.error(`build-native: ${msg}`);
  process.exit(1);
}

if (!existsSync(join(nodeInclude, "node_api.h")))
  fail(`no ${nodeInclude}/node_api.h: install Node's headers (Debian: apt-get install libnode-dev)`);

let msbFlags;
try {
  msbFlags = execFileSync("pkg-config", ["--cflags", "--libs", "msb"], { encoding: "utf8" });
} catch {
  fail("pkg-config cannot find msb: install libmsb (make install) or set PKG_CONFIG_PATH");
}

const cc = process.env.CC || "cc";
const sources = readdirSync(join(root, "src"))
  .filter((f) => f.endsWith(".c"))
  .map((f) => join(root, "src", f));
mkdirSync(join(root, "build"), { recursive: true });
// nodelete: Node unloads a worker thread's addons when the worker ends, and
// a call's own thread may still be running in this module and in libmsb.
const args = [
  "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
  "-fPIC", "-shared", "-pthread", "-fvisibility=hidden", "-Wl,-z,nodelete",
  "-isystem", nodeInclude,
  ...sources,
  "-o", join(root, "build", "msb.node"),
  ...msbFlags.trim().split(/\s+/).filter(Boolean),
];
try {
  execFileSync(cc, args, { stdio: "inherit" });
} catch {
  fail(`${cc} failed`);
}
