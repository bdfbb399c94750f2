"""Commenter rules in the moderation area: the list, and the form from a queue row.

A blueprint nested in ``moderation`` (its endpoints are ``moderation.rules.*``), so the
area's guard, no-store header and context apply to it unchanged.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.models import utcnow
from app.moderation import rules, services
from app.moderation.forms import RuleForm
from app.shared.urls import safe_next

bp = Blueprint("rules", __name__)


@bp.get("/rules")
def index():
    """Every commenter rule: what it matches, who made it, when, when it ends."""
    return render_template(
        "moderation/rules.html",
        rules=rules.all_rules(),
        now=utcnow(),
        shown_value=rules.shown_value,
    )


@bp.post("/rules/<id:rule_id>/remove")
def remove(rule_id: int):
    """Remove one rule (it stops applying at once)."""
    try:
        flash(rules.remove_rule(rule_id, current_user), "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.rules.index"), code=303)


@bp.route("/comments/<id:comment_id>/rule", methods=["GET", "POST"])
def new(comment_id: int):
    """Trust, hold or spam this comment's author, email domain or IP from now on.

    :raise 404: when the comment does not exist, or is the site's own reply.
    """
    comment = services.get_comment(comment_id)
    if comment is None or comment.is_site_reply:
        abort(404)
    suggestion = rules.suggest(comment)
    form = RuleForm()
    back = safe_next(request.values.get("next"), url_for("moderation.queue"))
    # The "yes, everyone at this domain" box: shown once a free-mail domain was refused.
    broad = "confirm_broad" in request.form
    if request.method == "GET":
        form.ip.data, form.domain.data = suggestion.ip, suggestion.domain
    elif form.validate():
        try:
            made = _make(comment_id, form)
        except rules.RuleInputError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
            broad = broad or isinstance(exc, rules.BroadDomain)
        except services.ModerationError as exc:  # the comment went meanwhile
            flash(str(exc), "error")
            return redirect(back, code=303)
        else:
            flash(made, "success")
            return redirect(back, code=303)
    return render_template(
        "moderation/rule_form.html",
        form=form,
        comment=comment,
        suggestion=suggestion,
        back=back,
        broad=broad,
    ), (422 if form.errors else 200)


def _make(comment_id: int, form: RuleForm) -> str:
    """Make the rule the form asks for (and spam the pending comments, if asked)."""
    now = utcnow()
    made = rules.make_rule(
        comment_id,
        current_user,
        form.rule.data,
        ip=form.ip.data or "",
        domain=form.domain.data or "",
        expires_at=rules.expiry(form.expires.data, form.expires_on.data, now),
        note=form.note.data or "",
        confirm_broad=bool(form.confirm_broad.data),
        now=now,
    )
    message = made.message
    if form.apply_existing.data and form.rule.data.startswith("spam-"):
        count = rules.spam_pending(made.rule_id, current_user)
        message += f" {count} pending comment{'' if count == 1 else 's'} marked as spam."
    return message
