"""``python -m offers [serve|migrate]``: run the service, or apply its migrations."""

from offers.config import OffersSettings
from offers.main import MIGRATIONS
from schulerfolg.runner import run_service_cli


def main() -> None:
    """Entry point of ``python -m offers``."""
    run_service_cli(
        name="offers",
        app_factory="offers.main:create_app",
        settings_cls=OffersSettings,
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
