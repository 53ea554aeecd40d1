"""How the harness wraps an agent command so that it reaches the gateway from a sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hgm.llm.config import Role
from hgm.llm.gateway import SOCKET_NAME
from hgm.llm.job_gateway import JobGateway
from hgm.sandbox.types import Mount

SANDBOX_GATEWAY_DIR = "/hgm/llm"
SANDBOX_RELAY = "/hgm/relay.py"
RELAY_SOURCE = Path(__file__).with_name("relay.py")


@dataclass(frozen=True, slots=True)
class AgentLaunch:
    """Mounts, environment and command prefix for one agent run inside a sandbox.

    The relay sets `HGM_LLM_BASE_URL` itself, once it knows its port.
    """

    mounts: tuple[Mount, ...]
    env: dict[str, str]
    command_prefix: list[str]

    def wrap(self, command: list[str]) -> list[str]:
        return [*self.command_prefix, *command]


def agent_launch(
    gateway: JobGateway,
    job_token: str,
    role: Role,
    *,
    python: str = "python3",
    port: int = 0,
    in_place: bool = False,
) -> AgentLaunch:
    """Read-only mounts of the job's own socket directory (see `Gateway.job_socket`) and
    the relay, the agent's environment (token, model alias, socket path) and the relay
    command prefix.

    `in_place`: no mounts; the socket and relay at their host paths (for `unsafe-local`,
    which cannot move mounts and isolates nothing anyway).
    """
    job_socket = gateway.job_socket(job_token)
    if in_place:
        socket_inside, relay, mounts = str(job_socket), str(RELAY_SOURCE), ()
    else:
        socket_inside, relay = f"{SANDBOX_GATEWAY_DIR}/{SOCKET_NAME}", SANDBOX_RELAY
        mounts = (
            Mount(source=job_socket.parent, target=SANDBOX_GATEWAY_DIR),
            Mount(source=RELAY_SOURCE, target=SANDBOX_RELAY),
        )
    env = {"HGM_LLM_API_KEY": job_token, "HGM_MODEL": role, "HGM_LLM_SOCKET": socket_inside}
    prefix = [python, "-I", relay, "--socket", socket_inside, "--port", str(port), "--"]
    return AgentLaunch(mounts=mounts, env=env, command_prefix=prefix)
