"""Rate limits count an IPv4 address as one client and an IPv6 /64 as one client."""

import pytest

from app.netaddr import client_network


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        ("", None),
        (None, None),
        ("not an address", "not an address"),
        ("x" * 100, "x" * 45),
    ],
)
def test_clients_are_counted_per_ipv4_address_and_per_ipv6_64(address, key):
    assert client_network(address) == key


def test_two_addresses_in_one_ipv6_64_are_one_client():
    assert client_network("2001:db8::1") == client_network("2001:db8::dead:beef")
    assert client_network("2001:db8::1") != client_network("2001:db8:0:1::1")
