"""API client tokens: "lf_<prefix>_<secret>", shown once, kept as a SHA-256
hash. The prefix finds the client; the hash compare is constant-time."""

import hashlib
import hmac
import secrets


def new_token() -> tuple[str, str]:
    """(token, its prefix)."""
    prefix = secrets.token_hex(6)
    return f"lf_{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    parts = token.split("_", 2)  # the secret itself may hold "_"
    if len(parts) != 3 or parts[0] != "lf" or len(parts[1]) != 12:
        return None
    return parts[1]


def matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
