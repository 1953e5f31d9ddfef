"""``python -m planning [serve|migrate]``: run the service, or apply its migrations."""

from planning.config import PlanningSettings
from planning.main import MIGRATIONS
from schulerfolg.runner import run_service_cli


def main() -> None:
    """Entry point of ``python -m planning``."""
    run_service_cli(
        name="planning",
        app_factory="planning.main:create_app",
        settings_cls=PlanningSettings,
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
