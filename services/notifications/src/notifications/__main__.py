"""``python -m notifications [serve|migrate]``: run the service, or apply its migrations."""

from notifications.config import NotificationsSettings
from notifications.main import MIGRATIONS
from schulerfolg.runner import run_service_cli


def main() -> None:
    """Entry point of ``python -m notifications``."""
    run_service_cli(
        name="notifications",
        app_factory="notifications.main:create_app",
        settings_cls=NotificationsSettings,
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
