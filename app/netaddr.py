"""Client addresses as rate limits count them.

One IPv4 address is one client.  An IPv6 client is usually given a whole /64 by its
provider and can pick any address inside it, so per-address limits would be no limit at
all: IPv6 clients are counted per /64 network.
"""

from __future__ import annotations

import ipaddress

MAX_ADDRESS = 45  # the longest textual IPv6 address, with an embedded IPv4 part


def client_network(address: str | None) -> str | None:
    """Return the key a rate limit counts ``address`` under, or None when there is none.

    IPv4 addresses (also written as IPv4-mapped IPv6) are kept whole; IPv6 addresses
    become their /64 network (``2001:db8:1:2::/64``).  Text that is no address (a unix
    socket, a misconfigured proxy) is kept as it is, cut to a storable length.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:MAX_ADDRESS]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
