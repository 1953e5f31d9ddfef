"""``python -m web [serve|migrate]``: run the web service, or apply its migrations."""

from schulerfolg.runner import run_service_cli
from web.config import WebSettings
from web.main import MIGRATIONS


def main() -> None:
    """Entry point of ``python -m web``."""
    run_service_cli(
        name="web",
        app_factory="web.main:create_app",
        settings_cls=WebSettings,  # type: ignore[arg-type]  # the runner reads only database_url, host and port
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
