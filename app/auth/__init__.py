"""Moderator accounts: login, logout, the ``flask moderators`` commands (blueprint in
views.py)."""
