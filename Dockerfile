# One image per service: docker build --build-arg SERVICE=registry -t schulerfolg/registry .
# Slim, non-root, dependencies from the committed lockfile; migrations run as a separate
# command (`python -m <service> migrate`).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG SERVICE=registry
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
RUN uv sync --locked --no-dev --no-editable --package "schulerfolg-${SERVICE}"

FROM python:${PYTHON_VERSION}-slim
ARG SERVICE=registry
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 SERVICE=${SERVICE}
USER 10001
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "schulerfolg.healthcheck"]
CMD ["sh", "-c", "exec python -m \"$SERVICE\""]
