"""``python -m meetings [serve|migrate]``: run the service, or apply its migrations."""

from meetings.config import MeetingsSettings
from meetings.main import MIGRATIONS
from schulerfolg.runner import run_service_cli


def main() -> None:
    """Entry point of ``python -m meetings``."""
    run_service_cli(
        name="meetings",
        app_factory="meetings.main:create_app",
        settings_cls=MeetingsSettings,
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
