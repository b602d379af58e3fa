"""Encryption and keyed hashes for personal data (PIPL art. 28: ID numbers are sensitive).

ID numbers, names and phone numbers are stored as AES-256-GCM ciphertext (random 96-bit
nonce per value) and looked up by HMAC-SHA256 of the normalised value. Both keys are derived
from ``JIUZHU_SECRET_KEY`` with HKDF-SHA256, so one secret is all an operator keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jiuzhu.errors import ConfigError

_NONCE = 12


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one ``purpose`` (HKDF-SHA256 of the operator's secret)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jiuzhu", info=purpose).derive(secret)


class Vault:
    """Encrypts, decrypts and hashes personal data with keys derived from one secret.

    :param secret: the operator's key material (at least 16 bytes).
    :raises ConfigError: when the secret is too short.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            msg = "JIUZHU_SECRET_KEY must be at least 16 characters"
            raise ConfigError(msg)
        self._aead = AESGCM(derive_key(secret, b"encryption"))
        self._hmac_key = derive_key(secret, b"lookup")

    def encrypt(self, plaintext: str) -> bytes:
        """``nonce || ciphertext || tag`` of the UTF-8 text."""
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), None)

    def encrypt_many(self, plaintexts: Sequence[str | None]) -> list[bytes | None]:
        """:meth:`encrypt` of each text (``None`` stays ``None``), for bulk loads.

        The same scheme, a fresh random nonce per value: the nonces are read from the OS in one
        call instead of one call each, which is what made a million values slow.
        """
        nonces = os.urandom(_NONCE * len(plaintexts))
        encrypt = self._aead.encrypt
        out: list[bytes | None] = []
        for i, text in enumerate(plaintexts):
            if text is None:
                out.append(None)
                continue
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            out.append(nonce + encrypt(nonce, text.encode(), None))
        return out

    def decrypt(self, blob: bytes) -> str:
        """The text :meth:`encrypt` was given.

        :raises ConfigError: when the blob was encrypted under another secret.
        """
        try:
            return self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], None).decode()
        except InvalidTag as e:
            msg = "cannot decrypt personal data: JIUZHU_SECRET_KEY is not the key used to store it"
            raise ConfigError(msg) from e

    def lookup_hash(self, kind: str, value: str) -> str:
        """64 hex characters: HMAC-SHA256 over ``kind:value``, for exact-match lookups."""
        return hmac.new(self._hmac_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def lookup_hashes(self, kind: str, values: Sequence[str]) -> list[str]:
        """:meth:`lookup_hash` of each value, for bulk loads.

        The same HMAC-SHA256 (RFC 2104): the key's inner and outer SHA-256 states are
        computed once and copied per value, three times faster than a new HMAC each
        (OpenSSL 3 looks the algorithm up on every one).
        """
        block = self._hmac_key.ljust(hashlib.sha256().block_size, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        prefix, out = f"{kind}:", []
        for value in values:
            h = inner.copy()
            h.update((prefix + value).encode())
            o = outer.copy()
            o.update(h.digest())
            out.append(o.hexdigest())
        return out


_vault: Vault | None = None


def configure_vault(secret: bytes) -> Vault:
    """Install the process-wide vault (tests and the CLI call it with the settings' secret)."""
    global _vault
    _vault = Vault(secret)
    _default_vault.cache_clear()
    return _vault


@lru_cache(maxsize=1)
def _default_vault() -> Vault:
    from jiuzhu.settings import get_settings

    return Vault(get_settings().secret())


def vault() -> Vault:
    """The configured vault, or one built from the process settings on first use."""
    return _vault or _default_vault()
