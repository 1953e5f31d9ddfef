"""``python -m web [serve|migrate|build-assets]``: run the web service, apply its migrations, or
build the pages' styles and scripts (npm, once; nothing to do when they are built)."""

import argparse
import sys

from schulerfolg.runner import Command, run_service_cli
from web.assets.service import build_assets
from web.config import WebSettings
from web.main import MIGRATIONS


def _build_assets(args: argparse.Namespace) -> int:
    try:
        build_assets(lambda line: print(line, file=sys.stderr))
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def main() -> None:
    """Entry point of ``python -m web``."""
    run_service_cli(
        name="web",
        app_factory="web.main:create_app",
        settings_cls=WebSettings,  # type: ignore[arg-type]  # the runner reads only database_url, host and port
        migrations=MIGRATIONS,
        commands=[
            Command(
                name="build-assets",
                help="build the pages' styles and scripts with npm when they are missing",
                add_arguments=lambda parser: None,
                run=_build_assets,
            )
        ],
    )


if __name__ == "__main__":
    main()
