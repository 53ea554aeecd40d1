"""Relay from 127.0.0.1 inside a sandbox to the gateway's bind-mounted Unix socket.

Standalone and standard-library only: it runs from a read-only bind mount of this
one file, inside a sandbox with no network (its loopback interface only).

    python3 relay.py --socket /hgm/llm/llm.sock [--port 0] -- AGENT COMMAND ...

It listens on 127.0.0.1:PORT (0 picks a free port), forwards every TCP connection
byte for byte to the Unix socket, runs the agent command with
HGM_LLM_BASE_URL=http://127.0.0.1:PORT/v1 added to its environment, forwards
SIGTERM/SIGINT/SIGHUP to it, and exits with its exit code (128+N if signal N
killed it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading

CHUNK = 65536


def pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until the source closes, then half-close the sink."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def bridge(client: socket.socket, socket_path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(socket_path)
    except OSError as error:
        sys.stderr.write(f"hgm relay: cannot reach the gateway at {socket_path}: {error}\n")
        client.close()
        upstream.close()
        return
    outbound = threading.Thread(target=pump, args=(client, upstream), daemon=True)
    outbound.start()
    pump(upstream, client)
    outbound.join()
    client.close()
    upstream.close()


def serve(listener: socket.socket, socket_path: str) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=bridge, args=(client, socket_path), daemon=True).start()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="relay 127.0.0.1 to the hgm LLM gateway socket")
    parser.add_argument("--socket", required=True, help="the gateway's Unix socket")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the agent command")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the agent command after --")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", options.port))
    listener.listen(128)
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, options.socket), daemon=True).start()
    env = dict(os.environ, HGM_LLM_BASE_URL=f"http://127.0.0.1:{port}/v1")
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as error:
        sys.stderr.write(f"hgm relay: cannot start {command[0]}: {error}\n")
        return 127
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda signum, frame: child.send_signal(signum))
    code = child.wait()
    listener.close()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
