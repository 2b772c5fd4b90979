"""bench/run's SDK figure for Python: exec.py SANDBOX COUNT COMMAND opens one
client, runs COMMAND COUNT times and prints "exec MS" for each call, timed
around the awaited call alone."""
import asyncio
import sys
import time

import msb


async def main(name, count, command):
    client = await msb.Sandbox(name).ssh().connect()
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            out = await client.exec(command)
            ms = (time.perf_counter() - t0) * 1000
            if not out.success:
                sys.exit(f"exec.py: '{command}' exited with {out.status}")
            print(f"exec {ms:.3f}")
    finally:
        await client.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or not sys.argv[2].isdigit():
        sys.exit("usage: exec.py SANDBOX COUNT COMMAND")
    try:
        asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
    except msb.MsbError as e:
        sys.exit(f"exec.py: {e}")
