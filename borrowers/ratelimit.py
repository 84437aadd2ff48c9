"""Fixed-window counters in the cache, shared by every web process when the
cache is Redis (CACHE_URL).

Identifiers are hashed before they become cache keys, so no address, phone
or case number sits in the cache in clear."""

import hashlib
import time

from django.core.cache import cache


def _key(scope, ident, window):
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"borrowers:rl:{scope}:{digest}:{bucket}"


def is_limited(scope, ident, limit):
    """True if `ident` already used up its `limit` = (attempts, window)."""
    attempts, window = limit
    return cache.get(_key(scope, ident, window), 0) >= attempts


def hit(scope, ident, limit):
    """Count one attempt; True if this attempt is over the limit."""
    attempts, window = limit
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # Evicted between add and incr.
        cache.set(key, 1, timeout=window)
        count = 1
    return count > attempts


def clear(scope, ident, limit):
    cache.delete(_key(scope, ident, limit[1]))
