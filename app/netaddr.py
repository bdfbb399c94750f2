"""Client addresses as rate limits count them.

One IPv4 address is one client.  An IPv6 client is usually given a whole /64 by its
provider and can pick any address inside it, so per-address limits would be no limit at
all: IPv6 clients are counted per /64 network.  Where one person can hold many /64s
cheaply (a home connection is often given a /56 or a /48), counts that decide something
about other people's comments (readers' reports) use the /48.

A proxy may write a port after the address ("203.0.113.5:40001", "[2001:db8::1]:443");
the port is dropped, or every connection would be a client of its own.  A missing or
unreadable address is one shared client, "unknown", never no client at all: rules that
count per client must still count it.
"""

from __future__ import annotations

import ipaddress
import re

MAX_ADDRESS = 45  # the longest textual IPv6 address, with an embedded IPv4 part


UNKNOWN = "unknown"
_WITH_PORT = re.compile(r"^\[(?P<v6>[^\]]+)\](?::\d+)?$|^(?P<v4>[0-9.]+):\d+$")


def client_network(address: str | None, ipv6_prefix: int = 64) -> str:
    """Return the key a rate limit counts ``address`` under.

    IPv4 addresses (also written as IPv4-mapped IPv6) are kept whole; IPv6 addresses
    become their network (``2001:db8:1:2::/64`` for the default ``ipv6_prefix``).  A
    port after the address is dropped.  No address, or text that is no address (a unix
    socket, a misconfigured proxy), is the one shared key "unknown".
    """
    text = (address or "").strip()[: MAX_ADDRESS + 8]
    match = _WITH_PORT.match(text)
    if match:
        text = match["v6"] or match["v4"]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return UNKNOWN
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, ipv6_prefix), strict=False))
    return str(ip)
