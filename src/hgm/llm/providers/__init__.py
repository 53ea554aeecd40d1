"""Provider registry: a config's `kind` picks the class, imported only when used."""

from __future__ import annotations

from hgm.llm.config import ProviderConfig
from hgm.llm.provider import Provider


def build_provider(name: str, config: ProviderConfig) -> Provider:
    """The provider for one `[providers.NAME]` entry."""
    if config.kind == "openai":
        from hgm.llm.providers.openai import OpenAIProvider

        return OpenAIProvider(name, config)
    if config.kind == "anthropic":
        from hgm.llm.providers.anthropic import AnthropicProvider

        return AnthropicProvider(name, config)
    if config.kind == "scripted":
        from hgm.llm.providers.scripted import ScriptedProvider

        return ScriptedProvider.from_config(config)
    from hgm.llm.providers.replay import ReplayProvider

    return ReplayProvider(config)
