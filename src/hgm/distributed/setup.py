"""Building a run's Ray executor: the world's remote side, the gateway's cluster listener
and the addresses nodes use to reach it. Imported through `hgm.engine.registry`."""

from __future__ import annotations

from hgm.distributed.executor import RayExecutor
from hgm.distributed.forwarder import GatewayAddress
from hgm.distributed.preflight import check_cluster
from hgm.distributed.real_node import RunSettings
from hgm.distributed.real_remote import RealRemote
from hgm.distributed.sim_remote import SimRemote
from hgm.engine.world import World
from hgm.errors import UserError
from hgm.evolve.world import RealWorld
from hgm.llm.config import TcpListenerConfig
from hgm.llm.gateway import Gateway
from hgm.runconfig.executor import RayExecutorSection
from hgm.runconfig.real_world import RealWorldSection

__all__ = ["check_cluster", "cluster_listener", "real_executor", "sim_executor"]
ANY_ADDRESS = ("0.0.0.0", "::", "")
MEGABYTE = 1024 * 1024


def sim_executor(
    section: RayExecutorSection, world: World, seconds_per_time_unit: float
) -> RayExecutor:
    return RayExecutor(section, SimRemote(world, seconds_per_time_unit))


def _node_address() -> str:
    import ray.util

    return str(ray.util.get_node_ip_address())


def cluster_listener(section: RayExecutorSection) -> TcpListenerConfig:
    """Where the run's gateways listen for the cluster's nodes (the port is the main
    gateway's; the smoke-run gateway takes any free port)."""
    gateway = section.gateway
    return TcpListenerConfig(
        host=gateway.host or _node_address(),
        port=gateway.port,
        tls_cert=gateway.tls_cert,
        tls_key=gateway.tls_key,
    )


def gateway_address(section: RayExecutorSection, gateway: Gateway) -> GatewayAddress:
    """How nodes reach `gateway`'s cluster listener."""
    listen = gateway.config.tcp
    if listen is None or gateway.tcp_port is None:
        raise RuntimeError("the gateway has no cluster listener")
    settings = section.gateway
    host = settings.advertise or (listen.host if listen.host not in ANY_ADDRESS else None)
    host = host or _node_address()
    ca = settings.tls_ca or settings.tls_cert
    pem = None
    if ca is not None:
        try:
            pem = ca.read_text()
        except OSError as error:
            raise UserError(f"[executor.gateway] cannot read {ca}: {error}") from error
    return GatewayAddress(
        host, gateway.tcp_port, pem, settings.tls_server_name, gateway.config.timeout_s
    )


def real_executor(
    section: RayExecutorSection, world: RealWorld, real: RealWorldSection, run: str
) -> RayExecutor:
    context = world.context
    gateway, smoke_gateway = context.harness.gateway, context.validator.smoke.gateway
    assert isinstance(gateway, Gateway) and isinstance(smoke_gateway, Gateway)
    settings = RunSettings(
        run=run,
        sandbox=real.sandbox,
        bench=real.bench,
        limits=context.limits,
        validation=real.validation,
        diagnosis_attempts=real.expansion.diagnosis_attempts,
        node_dir=section.node_dir,
        max_result_bytes=int(section.max_result_mb * MEGABYTE),
        gateway=gateway_address(section, gateway),
        smoke_gateway=gateway_address(section, smoke_gateway),
        models=context.models,
        smoke_models=context.validator.smoke.models,
    )
    return RayExecutor(section, RealRemote(world, gateway, smoke_gateway, settings))
