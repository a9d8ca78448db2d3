#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (Debian's python3): a signal handler (loop.add_signal_handler:
signal.set_wakeup_fd on the loop's AF_UNIX socketpair, its C handler writing
the signal number there, then asyncio writing once more to run the callback) and call_soon_threadsafe from a thread (a byte sent on
the same socketpair), each a ping-pong with the loop. Prints the JSON line of
tests/loops/loops_common.h."""
import asyncio
import json
import os
import signal
import sys
import threading


def main():
    n = int(os.environ.get("LOOPS_N", "200"))
    loop = asyncio.new_event_loop()
    done = threading.Semaphore(0)
    did = {"threadsafe": 0, "signals": 0}

    def on_call():
        did["threadsafe"] += 1
        done.release()

    def on_signal():
        did["signals"] += 1
        if did["signals"] == n:
            loop.stop()
        done.release()

    def sender():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        for _ in range(n):
            loop.call_soon_threadsafe(on_call)
            done.acquire()
        for _ in range(n):
            os.kill(os.getpid(), signal.SIGUSR1)
            done.acquire()

    loop.add_signal_handler(signal.SIGUSR1, on_signal)
    th = threading.Thread(target=sender)
    loop.call_soon(th.start)
    loop.run_forever()
    th.join()
    loop.close()
    s, t = did["signals"], did["threadsafe"]
    print(json.dumps({"program": "asyncio", "did": did, "expect": {
        "signal": {"events": s, "sends": n},
        # a byte per call_soon_threadsafe, and two per signal: the C
        # handler's on the wakeup fd, then asyncio's _handle_signal writing
        # to its self-pipe again to run the callback
        "unix": {"events": 2 * s + t, "sends": 2 * s + t}}}))
    sys.stdout.flush()
    return 0 if s == n and t == n else 1


if __name__ == "__main__":
    sys.exit(main())
