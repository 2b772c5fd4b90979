// node examples/exec.mjs SANDBOX COMMAND
// Runs COMMAND in SANDBOX through exec, writes its stdout and stderr to
// ours, and exits with its status.
import { Sandbox, MsbError } from "../dist/index.js";

const [name, command] = process.argv.slice(2);
if (name === undefined || command === undefined) {
  console.error("usage: node examples/exec.mjs SANDBOX COMMAND");
  process.exit(2);
}
try {
  const sandbox = await Sandbox.get(name);
  const client = await sandbox.ssh().openClient();
  const out = await client.exec(command);
  await client.close();
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  process.exitCode = out.status;
} catch (e) {
  if (!(e instanceof MsbError)) throw e;
  console.error(`exec.mjs: ${e.message} (${e.code})`);
  process.exitCode = 255;
}
