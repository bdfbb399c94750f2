"""What commenters do by email, without an account: confirm and stop reply
notifications, and manage their comments from a single-use link (blueprint in views.py;
the rules live in app.comments: subscriptions, notices, manage)."""
