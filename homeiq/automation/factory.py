"""Build the deployer from settings (the CLI and the admin app's services both do)."""

from __future__ import annotations

from ha_client.automation_config import AutomationConfigClient
from homeiq.automation.deployer import AutomationDeployer
from homeiq.settings import Settings
from storage.metadata import MetadataStore


def ha_config_client(settings: Settings) -> AutomationConfigClient | None:
    """Return a client for HA's config API, or None when HOMEIQ_HA_URL or the token is unset."""
    token = settings.ha_token_value()
    if not settings.ha_url or not token:
        return None
    return AutomationConfigClient(base_url=settings.ha_url, token=token)


def deployer_from_settings(settings: Settings) -> AutomationDeployer:
    """Return a deployer on the metadata database and HA named by ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return AutomationDeployer(MetadataStore(settings.metadata_path), ha_config_client(settings))
