"""The site's plain pages: About, Editorial policy, Privacy and Contact (blueprint in
views.py; the Markdown files are read by store.py)."""
