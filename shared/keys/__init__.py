"""Keys an operator can use: master keys, the partner key vault, rotation and erasure.

The hierarchy, from the top: a master key (environment, KMS, or development files) wraps each
partner's key-encryption key (KEK) in the key vault shared by all services; every service keeps its
own data keys per partner in `partner_keys`, wrapped first under the partner's KEK and then by the
master key; the data keys encrypt the fields. See the README's conventions (Personal data).
"""

from __future__ import annotations

from typing import Any

from shared.config import ServiceSettings
from shared.keys.directory import DirectoryVault
from shared.keys.errors import CiphertextInvalid, KeyDestroyed, MasterKeyUnknown
from shared.keys.kms import KmsVault
from shared.keys.master import KmsMasterKeys, MasterKeys, StaticMasterKeys
from shared.keys.vault import KeyVault, VaultEntry

__all__ = [
    "CiphertextInvalid",
    "DirectoryVault",
    "KeyDestroyed",
    "KeyVault",
    "KmsMasterKeys",
    "KmsVault",
    "MasterKeyUnknown",
    "MasterKeys",
    "StaticMasterKeys",
    "VaultEntry",
    "master_keys_from_settings",
    "vault_from_settings",
]


def _kms_client(settings: ServiceSettings) -> Any:
    import boto3

    return boto3.client("kms", region_name=settings.kms_region, endpoint_url=settings.kms_endpoint_url)


def master_keys_from_settings(settings: ServiceSettings) -> MasterKeys:
    """The master keys a service is configured with: KMS keys if named, otherwise `master_keys`."""
    if settings.kms_master_key_ids:
        return KmsMasterKeys(_kms_client(settings), settings.kms_master_key_ids)
    return StaticMasterKeys(settings.master_keyring())


def vault_from_settings(settings: ServiceSettings, masters: MasterKeys) -> KeyVault:
    """The key vault a service is configured with (the same one for every service of a deployment)."""
    if settings.key_vault == "kms":
        return KmsVault(_kms_client(settings), settings.key_vault_kms_alias_prefix)
    if settings.key_vault_dir is None:
        raise ValueError("key_vault_dir is not set; development defaults fill it from var_dir")
    return DirectoryVault(settings.key_vault_dir, masters)
