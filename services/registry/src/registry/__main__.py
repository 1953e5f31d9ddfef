"""``python -m registry [serve|migrate]``: run the service, or apply its migrations."""

from registry.config import RegistrySettings
from registry.main import MIGRATIONS
from schulerfolg.runner import run_service_cli


def main() -> None:
    """Entry point of ``python -m registry``."""
    run_service_cli(
        name="registry",
        app_factory="registry.main:create_app",
        settings_cls=RegistrySettings,
        migrations=MIGRATIONS,
    )


if __name__ == "__main__":
    main()
