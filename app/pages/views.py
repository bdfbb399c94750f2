"""Thin views for the plain pages, each at its own address (``/about/``, ...)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from app.pages import store
from config import DEV_CONTACT_EMAIL

bp = Blueprint("pages", __name__)
bp.record_once(lambda state: store.init_app(state.app))

_ANY_SLUG = "any(" + ", ".join(f'"{slug}"' for slug in store.SLUGS) + ")"


@bp.get(f"/<{_ANY_SLUG}:slug>/")
def show(slug: str):
    """Show one plain page; the contact page also shows CONTACT_EMAIL.

    :raise 404: when the page has no file in PAGES_DIR.
    """
    page = store.get_page(slug)
    if page is None:
        abort(404)
    contact_email = current_app.config.get("CONTACT_EMAIL") or ""
    return render_template(
        [f"pages/{slug}.html", "pages/page.html"],
        page=page,
        contact_email=contact_email,
        contact_is_placeholder=contact_email == DEV_CONTACT_EMAIL,
    )
