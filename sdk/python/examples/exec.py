"""exec.py SANDBOX COMMAND: runs COMMAND in SANDBOX through the SDK's exec,
writes its stdout to stdout and its stderr to stderr, and exits with its
status."""
import asyncio
import sys

import msb


async def main(name, command):
    async with await msb.Sandbox(name).ssh().connect() as client:
        out = await client.exec(command)
    sys.stdout.buffer.write(out.stdout_bytes)
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(out.stderr_bytes)
    sys.stderr.buffer.flush()
    return out.status


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: exec.py SANDBOX COMMAND")
    try:
        sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
    except msb.MsbError as e:
        print(f"exec.py: {e}", file=sys.stderr)
        sys.exit(255)
