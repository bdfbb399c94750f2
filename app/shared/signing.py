"""Signed values handed to browsers and mail readers, without needless compression.

itsdangerous's URL-safe serializers try zlib on every value they sign and keep the
result when it is shorter.  Setting zlib up costs about 65 µs whatever the size, and a
short value (a session with a token in it, an action link's id) never comes out
shorter.  These serializers compress only a payload big enough to gain; what they sign
reads exactly as before (a compressed value starts with "."), and a short value signs
to the very same text.
"""

from __future__ import annotations

from itsdangerous import Serializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

# Bytes of JSON below which a payload is signed as it is.
COMPRESS_FROM = 1024


class TimedSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` that compresses only from COMPRESS_FROM bytes."""

    def dump_payload(self, obj) -> bytes:
        json = Serializer.dump_payload(self, obj)
        if len(json) < COMPRESS_FROM:
            return base64_encode(json)
        return super().dump_payload(obj)
