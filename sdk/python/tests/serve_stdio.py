"""An OpenSSH ProxyCommand made with the binding's server endpoint.

    python3 serve_stdio.py SANDBOX PUBKEY_FILE [--no-sftp]

Serves one SSH connection to SANDBOX over stdin/stdout, letting in the
keys of PUBKEY_FILE (given in memory, as authorized_keys=[...]). Exits 0
when the connection ended cleanly, 1 with the error on stderr otherwise.
"""
import asyncio
import sys

import msb


async def main(name, pubkey_file, sftp):
    with open(pubkey_file) as f:
        keys = [line.strip() for line in f if line.strip()]
    srv = await msb.Sandbox(name).ssh().server(authorized_keys=keys, sftp=sftp)
    try:
        await srv.serve_stdio()
    finally:
        srv.close()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2], "--no-sftp" not in sys.argv[3:]))
    except msb.MsbError as e:
        sys.exit("serve_stdio.py: %s" % e)
