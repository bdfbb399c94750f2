"""The admins' pages of the moderation area: the site's comment settings and the
moderators.

Guarded once: a logged-in moderator who is not an admin gets a friendly 403 on every
URL here.  Rules live in ``app.site_settings`` and ``app.auth.services``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import site_settings
from app.auth import services as accounts
from app.models import ModeratorRole
from app.moderation import views as moderation
from app.moderation.forms import AddModeratorForm, RoleForm, SettingsForm, field_name

bp = Blueprint("admin", __name__, url_prefix="/moderation")
bp.after_request(moderation.never_cache)
bp.context_processor(moderation.moderation_context)


@bp.before_request
def require_admin():
    """Send anyone not logged in to the login page; show other moderators a 403."""
    refused = moderation.require_moderator()
    if refused is not None:
        return refused
    if not current_user.is_admin:
        return _admins_only()
    return None


def _admins_only():
    """The friendly 403 for a moderator who is not (or no longer) an admin."""
    return render_template(
        "errors/error.html",
        code=403,
        title="Only admins can open this page",
        message=(
            "The site's settings and its moderators are managed by its admins. "
            "Ask one of them if something here needs changing."
        ),
    ), 403


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The comment settings: change any of them, or put one back to its default."""
    states = site_settings.all_settings()
    form = SettingsForm(data={field_name(s.setting): s.setting.as_text(s.value) for s in states})
    if form.validate_on_submit():
        try:
            changes = site_settings.save(form.typed(), current_user)
        except site_settings.InvalidSettings as exc:
            form.refuse(exc.errors)
        except site_settings.NotAnAdmin:
            return _admins_only()  # demoted while this request ran: nothing saved
        else:
            flash(
                "Settings saved. " + " ".join(f"{line}." for line in changes)
                if changes
                else "Nothing changed: the settings are as they were.",
                "success",
            )
            return redirect(url_for("admin.settings"), code=303)
    return render_template(
        "moderation/settings.html", form=form, states=states, field_name=field_name
    ), (422 if form.errors else 200)


@bp.post("/settings/<name>/reset")
def reset_setting(name: str):
    """Put one setting back to its default (the site's configuration)."""
    setting = site_settings.BY_NAME.get(name) or abort(404)
    try:
        line = site_settings.reset(name, current_user)
    except site_settings.NotAnAdmin:
        return _admins_only()  # demoted while this request ran: nothing reset
    flash(f"{line}." if line else f"{setting.label}: already the default.", "success")
    return redirect(url_for("admin.settings", _anchor=field_name(setting)), code=303)


@bp.route("/moderators", methods=["GET", "POST"])
def moderators():
    """The moderators, and a form to add one."""
    form = AddModeratorForm()
    if form.validate_on_submit():
        try:
            added = accounts.add_moderator(
                form.email.data,
                form.password.data,
                form.name.data,
                role=ModeratorRole(form.role.data),
                by=current_user,
            )
        except accounts.AccountError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            flash(f"Added {added.name} ({added.email}) as {added.role.value}.", "success")
            return redirect(url_for("admin.moderators"), code=303)
    return render_template(
        "moderation/moderators.html",
        form=form,
        moderators=accounts.all_moderators(),
    ), (422 if form.errors else 200)


@bp.post("/moderators/<id:moderator_id>/role")
def change_role(moderator_id: int):
    """Make a moderator an admin, or an admin a moderator."""
    target = accounts.get_moderator(moderator_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose Moderator or Admin.", "error")
        return redirect(url_for("admin.moderators"), code=303)
    try:
        changed = accounts.change_role(target.email, ModeratorRole(form.role.data), current_user)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{changed.name} ({changed.email}) is now {changed.role.value}.", "success")
    return redirect(url_for("admin.moderators"), code=303)


@bp.route("/moderators/<id:moderator_id>/remove", methods=["GET", "POST"])
def remove_moderator(moderator_id: int):
    """Confirm, then remove a moderator's account (the log keeps their email)."""
    target = accounts.get_moderator(moderator_id) or abort(404)
    if request.method == "GET":
        return render_template("moderation/confirm_remove_moderator.html", target=target)
    try:
        accounts.remove_moderator(target.email, current_user)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.moderators"), code=303)
    flash(f"Removed {target.name} ({target.email}).", "success")
    if target.id == current_user.id:  # they removed themselves: nothing left here
        return redirect(url_for("auth.login"), code=303)
    return redirect(url_for("admin.moderators"), code=303)
