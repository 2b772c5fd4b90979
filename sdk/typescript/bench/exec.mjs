// node bench/exec.mjs SANDBOX COUNT COMMAND
// Opens one client and runs COMMAND COUNT times, one after another,
// printing "exec MS" per call: the time around the exec call alone, as
// bench/capi_exec.c measures the C API.
import { Sandbox } from "../dist/index.js";

const [name, countArg, command] = process.argv.slice(2);
const count = Number(countArg);
if (name === undefined || command === undefined || !Number.isInteger(count) || count < 1) {
  console.error("usage: node bench/exec.mjs SANDBOX COUNT COMMAND");
  process.exit(2);
}
try {
  const client = await (await Sandbox.get(name)).ssh().openClient();
  try {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      const out = await client.exec(command);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!out.success) throw new Error(`'${command}' exited with ${out.status}`);
      console.log(`exec ${ms.toFixed(3)}`);
    }
  } finally {
    await client.close();
  }
} catch (e) {
  console.error(`bench/exec.mjs: ${e.message}`);
  process.exitCode = 1;
}
