"""The moderation area under /moderation/ (views.py), and the action links sent by email
(email_views.py)."""
