// node attach_child.mjs SANDBOX DETACH_KEYS: attaches this terminal (made
// 30x100 first) and prints ATTACH-RESULT=<what attach() resolved with>.
import { execFileSync } from "node:child_process";
import { Sandbox } from "../dist/index.js";

execFileSync("stty", ["rows", "30", "cols", "100"], { stdio: "inherit" });
const client = await (await Sandbox.get(process.argv[2])).ssh().openClient();
const code = await client.attach({ detachKeys: process.argv[3], term: "xterm-256color" });
await client.close();
console.log(`ATTACH-RESULT=${code}`);
