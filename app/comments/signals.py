"""What the comment services announce, for other areas to act on.

The services sit below moderation and must not call it; moderation subscribes instead
(``app.moderation.notifications.init_app``).  Signals are sent after the transaction
has committed, with the app as sender.
"""

from blinker import Namespace

_signals = Namespace()

# A comment waits for a moderator (a new one, or one held back after readers' reports):
# ``comment_held.send(app, comment_id=...)``.
comment_held = _signals.signal("comment-held")
