"""The article and remedy pages, the sitemap and robots.txt (blueprint in views.py)."""
