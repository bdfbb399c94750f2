"""Relief: a health article with a page per remedy and moderated comments.

``create_app`` reads like the table of contents of the whole application.
"""

from __future__ import annotations

import logging

from flask import Flask

from config import Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build and return the Flask application.

    :param config_class: one of the classes in ``config.py``; by default the one named
        by ``RELIEF_CONFIG`` (development when unset).
    :param overrides: settings that win over the class, mostly for tests.
    :raise RuntimeError: when the production config is used with an unsafe secret.
    """
    config_class = config_class or config_from_env()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    validate = getattr(config_class, "validate", None)
    if validate:
        validate(app.config)

    register_logging(app)
    register_proxy_fix(app)
    register_body_limit(app)
    register_page_layer(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_security(app)
    register_error_handlers(app)
    register_commands(app)
    register_signal_handlers(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr at INFO outside debug mode, so errors reach the service's log."""
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For / -Proto only from the configured number of proxies, and
    X-Forwarded-Host only when TRUSTED_PROXY_HOST also says so (no URL is built from the
    Host anyway: they all come from SITE_URL)."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hosts = proxies if app.config.get("TRUSTED_PROXY_HOST") else 0
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=hosts, x_prefix=0
        )


def register_body_limit(app: Flask) -> None:
    """Hold chunked request bodies to MAX_CONTENT_LENGTH: a 413, never a form cut short."""
    from app.request_size import BoundedChunkedBody

    app.wsgi_app = BoundedChunkedBody(app.wsgi_app, app.config)


def register_page_layer(app: Flask) -> None:
    """Answer anonymous readers' page views from the worker's copies before routing
    (outermost: such a GET has no body to bound and no proxy header the page uses)."""
    from app.content import page_layer

    page_layer.init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions from ``app.extensions`` and set up the database engine."""
    from app import crypto, mail, outbox
    from app.auth.services import load_moderator
    from app.db import configure_engine, ensure_sqlite_folder
    from app.extensions import csrf, db, login_manager, migrate

    ensure_sqlite_folder(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A SQLite "connection" is a file handle: pinging it on every checkout is waste.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    crypto.init_app(app)
    mail.init_app(app)
    outbox.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_moderator)
    configure_engine(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area of the site."""
    from app import static_files
    from app.auth.views import bp as auth_bp
    from app.commenters.views import bp as commenters_bp
    from app.content.routing import ArticleSlugConverter, SlugConverter
    from app.content.views import bp as content_bp
    from app.health import bp as health_bp
    from app.moderation.admin_views import bp as admin_bp
    from app.moderation.email_views import bp as email_actions_bp
    from app.moderation.views import bp as moderation_bp
    from app.pages.views import bp as pages_bp
    from app.shared.urls import IdConverter

    app.url_map.converters["article_slug"] = ArticleSlugConverter
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(content_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(email_actions_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(commenters_bp)
    static_files.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Add the filters and globals that templates share."""
    from app import templating

    templating.init_app(app)


def register_security(app: Flask) -> None:
    """Send the security headers on every response."""
    from app import security

    security.init_app(app)


def register_error_handlers(app: Flask) -> None:
    """Render friendly error pages that reveal nothing about the server."""
    from app import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` subcommands (content, moderators, ...)."""
    from app import cli

    cli.init_app(app)


def register_signal_handlers(app: Flask) -> None:
    """Let moderation hear what the comment services announce (a comment is held), and
    let the outbox write the emails commenters wait for (reply notices, manage links)
    and moderators' digests."""
    from app import outbox
    from app.comments import manage, notices
    from app.moderation import digests, notifications

    notifications.init_app(app)
    outbox.add_planner(app, digests.plan)
    outbox.add_planner(app, notices.plan, notices.prune)
    outbox.add_planner(app, manage.plan, manage.prune)
