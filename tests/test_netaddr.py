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
        # A port from a proxy is dropped: each connection is not a client of its own.
        ("203.0.113.5:40001", "203.0.113.5"),
        ("[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2::1]", "2001:db8:1:2::/64"),
        # No address, or none that can be read: one shared client, never no client.
        ("", "unknown"),
        (None, "unknown"),
        ("not an address", "unknown"),
        ("x" * 100, "unknown"),
        ("203.0.113.5:port", "unknown"),
    ],
)
def test_clients_are_counted_per_ipv4_address_and_per_ipv6_64(address, key):
    assert client_network(address) == key


def test_two_addresses_in_one_ipv6_64_are_one_client():
    assert client_network("2001:db8::1") == client_network("2001:db8::dead:beef")
    assert client_network("2001:db8::1") != client_network("2001:db8:0:1::1")


def test_counts_about_other_peoples_comments_can_use_the_48():
    """One home connection is often a /48: its /64s are one client for readers' reports."""
    assert client_network("2001:db8:1:2::1", 48) == client_network("2001:db8:1:ffff::1", 48)
    assert client_network("2001:db8:1:2::1", 48) == "2001:db8:1::/48"
    assert client_network("203.0.113.7", 48) == "203.0.113.7"
