# One image per service:
#   docker build --build-arg SERVICE=registry -t schulerfolg/registry .
#   (SERVICE: registry, offers, meetings, notifications, planning or web; the gateway is the
#   official Caddy image with deploy/caddy/caddy.json, see docker-compose.yml)
# The web image also gets the pages' front-end assets (KERN UX styles, fonts, site.js), built
# with npm in the web-assets stage and found through WEB_STATIC_DIR; the other images do not.
# Slim, non-root (uid 10001), dependencies exactly as in the committed lockfile, no build tools
# in the final image. The container serves by default; the migration is a separate command:
#   docker run … schulerfolg/registry python -m registry migrate
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG SERVICE=registry
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
# The development package (schulerfolg-dev: the schulerfolg command, test servers) is a workspace
# member, so uv needs its pyproject to check the lockfile; no service depends on it, so nothing of
# it is installed (tests/test_image_dependencies.py builds each image's environment this way).
COPY shared-dev/pyproject.toml ./shared-dev/
# Every service is its own workspace package; the image gets it and the runtime (schulerfolg).
RUN package="schulerfolg-$SERVICE" \
 && uv sync --locked --no-dev --no-editable --package "$package"

# The web pages' front-end assets (services/web/ASSETS.md): npm ci + npm run build. Only the
# web image takes them (below); Node.js stays in this stage.
FROM node:22-slim AS web-assets
WORKDIR /web
COPY services/web/package.json services/web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY services/web/scripts ./scripts
COPY services/web/assets ./assets
RUN npm run build -- /web-static

FROM python:${PYTHON_VERSION}-slim
ARG SERVICE=registry
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /data/materials && chown -R 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
# Read-only, root-owned, and only in the web image (the mount leaves nothing in the others);
# the web and offers images also get Pango and a font for WeasyPrint's PDFs (the contact lists;
# offers' grant notices and rejection letters).
RUN --mount=type=bind,from=web-assets,source=/web-static,target=/mnt/web-static \
    if [ "$SERVICE" = web ]; then cp -r /mnt/web-static /opt/web-static; fi \
 && if [ "$SERVICE" = web ] || [ "$SERVICE" = offers ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
         libharfbuzz-subset0 fonts-dejavu-core \
      && rm -rf /var/lib/apt/lists/*; \
    fi
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 SERVICE=${SERVICE} \
    WEB_STATIC_DIR=/opt/web-static
USER 10001:10001
EXPOSE 8001-8005
# Probes /healthz on <SERVICE>_PORT (schulerfolg.healthcheck), no curl needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "schulerfolg.healthcheck"]
CMD ["sh", "-c", "exec python -m \"$SERVICE\""]
