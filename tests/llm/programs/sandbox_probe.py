"""Run inside a sandbox as an agent would be: use the gateway, then hunt for the provider key.

argv: SECRET (reversed, so that no command line holds it), OTHER_JOB_TOKEN,
FINISHED_JOB_TOKEN, UPSTREAM_PORT. Prints one JSON report.
"""

import glob
import json
import os
import socket
import sys
import urllib.error
import urllib.request

SECRET, OTHER, FINISHED = sys.argv[1][::-1], sys.argv[2], sys.argv[3]
UPSTREAM_PORT = int(sys.argv[4])
TOOLCHAINS = {".rustup", ".cargo", ".pyenv"}  # large read-only toolchains the sandbox mounts


def post(token, content):
    body = {"model": os.environ["HGM_MODEL"], "messages": [{"role": "user", "content": content}]}
    request = urllib.request.Request(
        os.environ["HGM_LLM_BASE_URL"] + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def via_socket():
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(os.environ["HGM_LLM_SOCKET"])
    token = os.environ["HGM_LLM_API_KEY"]
    connection.sendall(
        f"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return int(answer.split(b" ")[1])


def reachable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def leaks():
    found = [name for name, value in os.environ.items() if SECRET in value]
    for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
        try:
            with open(path, "rb") as handle:
                if SECRET.encode() in handle.read():
                    found.append(path)
        except OSError:
            pass
    for root in ("/hgm", "/tmp", os.getcwd(), "/etc", "/run", "/root", "/home", "/var"):
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = [d for d in subdirectories if d not in TOOLCHAINS]
            for name in files:
                path = os.path.join(directory, name)
                if not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as handle:
                        if SECRET.encode() in handle.read(1 << 20):
                            found.append(path)
                except OSError:
                    pass
    return found


def processes():
    rows = []
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                rows.append(handle.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return rows


own = post(os.environ["HGM_LLM_API_KEY"], "hello from the sandbox")
report = {
    "own_status": own[0],
    "own_content": own[1]["choices"][0]["message"]["content"] if own[0] == 200 else own[1],
    "other_status": post(OTHER, "pretending to be another job")[0],
    "finished": post(FINISHED, "a finished job"),
    "socket_status": via_socket(),
    "upstream_reachable": reachable(UPSTREAM_PORT),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "leaks": leaks(),
    "processes": processes(),
    "hgm_dir": sorted(os.listdir("/hgm")),
    "gateway_dir": sorted(os.listdir("/hgm/llm")),
    "key_names": sorted(os.environ),
}
print(json.dumps(report))
