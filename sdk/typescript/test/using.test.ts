// `await using` on the binding's handles, compiled by tsc (which lowers
// it for Node versions that cannot parse it) and run with the other tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Sandbox, SshClient, SftpClient } from "msb";

test("await using closes the client and its SFTP session", async () => {
  let client: SshClient | undefined, sftp: SftpClient | undefined;
  {
    await using c = await (await Sandbox.get(process.env.MSB_TEST_SANDBOX!)).ssh().openClient();
    await using s = await c.sftp();
    client = c;
    sftp = s;
    assert.equal((await c.exec("echo in-scope")).stdout.toString(), "in-scope\n");
    assert.equal(await s.realPath("/"), "/");
  }
  assert.equal(sftp.closed, true);
  assert.equal(client.closed, true);
});

test("await using releases the client when the block throws", async () => {
  let client: SshClient | undefined;
  await assert.rejects(async () => {
    await using c = await (await Sandbox.get(process.env.MSB_TEST_SANDBOX!)).ssh().openClient();
    client = c;
    throw new Error("boom");
  }, /boom/);
  assert.equal(client?.closed, true);
});
