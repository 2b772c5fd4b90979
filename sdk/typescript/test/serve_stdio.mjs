// An OpenSSH ProxyCommand made with the binding's server endpoint:
//   node serve_stdio.mjs SANDBOX AUTHORIZED_KEYS_FILE [HOST_KEY_FILE] [--no-sftp] [--ignore-hup]
// Serves one SSH connection over stdin/stdout to the keys of
// AUTHORIZED_KEYS_FILE (the authorizedKeysPath option). Exits 0 when the
// connection ended cleanly, 1 with the error on stderr otherwise.
import { Sandbox } from "../dist/index.js";

// ssh sends its ProxyCommand SIGHUP as it gives up. Node resets an
// inherited SIG_IGN at startup, so a test that wants to read why the
// connection failed asks for the signal to be ignored here.
if (process.argv.includes("--ignore-hup")) process.on("SIGHUP", () => {});
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const [name, authorizedKeysPath, hostKeyPath] = args;
try {
  const server = await (await Sandbox.get(name)).ssh().prepareServer({
    authorizedKeysPath, hostKeyPath, user: "root", sftp: !process.argv.includes("--no-sftp"),
  });
  try {
    await server.serveConnection();
  } finally {
    await server.close();
  }
} catch (e) {
  console.error(`serve_stdio.mjs: ${e.code}: ${e.message}`);
  process.exitCode = 1;
}
