"""The built-in image catalog: well-known public images with their real tag patterns.

Each entry names what a real image holds that matters to a pod: its ENTRYPOINT and CMD, its
base (which decides the shell and the tools on ``$PATH``), its platforms, and the behaviour of
its main program. The Todo application's images and a few teaching images (a private mirror,
an arm64-only build, a memory-leaking release) live here too; docs/sandbox.md lists them all.
"""

from __future__ import annotations

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.images import Catalog, Image
from kubemedic.sandbox.kubelet.process import MiB, Usage

KNOWN_REGISTRIES = (
    "docker.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "gcr.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "registry.gitlab.com",
)

_UVICORN_ARGS = ("--host", "0.0.0.0", "--port", "8080")  # noqa: S104 - a simulated process
_DOCKER_ENTRYPOINT = {
    "/usr/local/bin/docker-entrypoint.sh": "entrypoint",
    "docker-entrypoint.sh": "entrypoint",
}

NGINX = AppSpec(
    http_ports={80: {"/": 200, "/index.html": 200, "/50x.html": 200}},
    startup_seconds=0.5,
    start_logs=(
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, "
        "will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
        '2024/11/20 10:00:00 [notice] 1#1: using the "epoll" event method',
        "2024/11/20 10:00:00 [notice] 1#1: start worker processes",
    ),
    stop_exit_code=0,
    usage=Usage(
        cpu_cores=0.001, memory_bytes=8 * MiB, requests_per_second=2, cpu_per_request=0.0005
    ),
)
HTTPD = AppSpec(
    http_ports={80: {"/": 200, "/index.html": 200}},
    startup_seconds=0.5,
    start_logs=(
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
        "using 10.244.0.10. Set the 'ServerName' directive globally to suppress this message",
        "[mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) configured -- resuming "
        "normal operations",
    ),
    stop_exit_code=0,
    usage=Usage(
        cpu_cores=0.001, memory_bytes=12 * MiB, requests_per_second=2, cpu_per_request=0.0005
    ),
)
REDIS = AppSpec(
    tcp_ports=(6379,),
    startup_seconds=0.5,
    start_logs=(
        "1:C 20 Nov 2024 10:00:00.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "1:M 20 Nov 2024 10:00:00.001 * Server initialized",
        "1:M 20 Nov 2024 10:00:00.002 * Ready to accept connections tcp",
    ),
    usage=Usage(cpu_cores=0.003, memory_bytes=9 * MiB),
)
POSTGRES = AppSpec(
    tcp_ports=(5432,),
    startup_seconds=4,
    start_logs=(
        "PostgreSQL init process complete; ready for start up.",
        "2024-11-20 10:00:04.000 UTC [1] LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2)",
        '2024-11-20 10:00:04.010 UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
        "2024-11-20 10:00:04.050 UTC [1] LOG:  database system is ready to accept connections",
    ),
    required_env=("POSTGRES_PASSWORD",),
    missing_env_logs=(
        "Error: Database is uninitialized and superuser password is not specified.",
        "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
        '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
    ),
    usage=Usage(cpu_cores=0.01, memory_bytes=60 * MiB),
)
MYSQL = AppSpec(
    tcp_ports=(3306,),
    startup_seconds=8,
    start_logs=(
        "[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: "
        "'8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
    ),
    required_env=("MYSQL_ROOT_PASSWORD",),
    missing_env_logs=(
        "2024-11-20 10:00:00+00:00 [ERROR] [Entrypoint]: Database is uninitialized and "
        "password option is not specified",
        "    You need to specify one of the following as an environment variable:",
        "    - MYSQL_ROOT_PASSWORD",
        "    - MYSQL_ALLOW_EMPTY_PASSWORD",
        "    - MYSQL_RANDOM_ROOT_PASSWORD",
    ),
    usage=Usage(cpu_cores=0.02, memory_bytes=380 * MiB),
)
TODO_BACKEND = AppSpec(
    http_ports={8080: {"/healthz": 200, "/readyz": 200, "/api/todos": 200, "/metrics": 200}},
    port_flag="--port",
    startup_seconds=3,
    start_logs=(
        "INFO:     Started server process [1]",
        "INFO:     Waiting for application startup.",
        "INFO:     Connected to database postgres:5432/todo",
        "INFO:     Application startup complete.",
        "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
    ),
    required_env=("DATABASE_URL",),
    missing_env_logs=(
        "Traceback (most recent call last):",
        '  File "/app/todo/settings.py", line 14, in <module>',
        '    DATABASE_URL = os.environ["DATABASE_URL"]',
        "                   ~~~~~~~~~~^^^^^^^^^^^^^^^^",
        '  File "<frozen os>", line 714, in __getitem__',
        "KeyError: '{name}'",
    ),
    usage=Usage(
        cpu_cores=0.02,
        memory_bytes=180 * MiB,
        requests_per_second=25,
        cpu_per_request=0.002,
        latency_seconds=0.045,
    ),
)
TODO_FRONTEND = AppSpec(
    http_ports={8080: {"/": 200, "/index.html": 200, "/healthz": 200, "/assets/app.js": 200}},
    startup_seconds=0.5,
    start_logs=NGINX.start_logs,
    stop_exit_code=0,
    usage=Usage(
        cpu_cores=0.002, memory_bytes=14 * MiB, requests_per_second=40, cpu_per_request=0.0002
    ),
)
METRICS_SERVER = AppSpec(
    http_ports={10250: {"/livez": 200, "/readyz": 200, "/metrics": 200}},
    startup_seconds=0,
    start_logs=(
        "I1120 10:00:00.000000       1 secure_serving.go:213] Serving securely on [::]:10250",
    ),
    usage=Usage(cpu_cores=0.004, memory_bytes=22 * MiB),
)
COREDNS = AppSpec(
    http_ports={8080: {"/health": 200}, 8181: {"/ready": 200}, 9153: {"/metrics": 200}},
    tcp_ports=(53,),
    startup_seconds=0,
    start_logs=(
        ".:53",
        "[INFO] plugin/reload: Running configuration SHA512 = 591cf3...",
        "CoreDNS-1.11.3",
    ),
    usage=Usage(cpu_cores=0.003, memory_bytes=16 * MiB),
)
DB_MIGRATE = AppSpec(
    runs_forever=False,
    run_seconds=6,
    start_logs=(
        "Running migrations for todo...",
        "  Applying todo.0001_initial... OK",
        "  Applying todo.0002_due_dates... OK",
    ),
    required_env=("DATABASE_URL",),
    usage=Usage(cpu_cores=0.05, memory_bytes=60 * MiB),
)
PAUSE = AppSpec(usage=Usage(cpu_cores=0.0, memory_bytes=0.3 * MiB))


def _dist(
    repository: str, tags: tuple[str, ...], cmd: tuple[str, ...], base: str, size: int
) -> Image:
    return Image(
        repository, tags, cmd=cmd, base=base, size_bytes=size, description=f"{base} base image"
    )


BUILTIN_IMAGES: tuple[Image, ...] = (
    _dist(
        "docker.io/library/busybox",
        (r"latest|stable|musl|glibc|uclibc", r"1(\.3[0-7](\.\d)?)?(-(musl|glibc|uclibc))?"),
        ("sh",),
        "busybox",
        2_160_000,
    ),
    _dist("registry.k8s.io/busybox", (r"latest", r"1\.2[4-9]"), ("sh",), "busybox", 1_144_000),
    _dist(
        "docker.io/library/alpine",
        (r"latest|edge|3", r"3\.(1[5-9]|2[01])(\.\d{1,2})?"),
        ("/bin/sh",),
        "alpine",
        3_640_000,
    ),
    _dist(
        "docker.io/library/debian",
        (
            r"latest|stable|stable-slim|bookworm|bookworm-slim|bullseye|bullseye-slim|trixie",
            r"1[12](\.\d{1,2})?(-slim)?",
        ),
        ("bash",),
        "debian",
        48_500_000,
    ),
    _dist(
        "docker.io/library/ubuntu",
        (r"latest|rolling|focal|jammy|noble", r"(20|22|24)\.04"),
        ("/bin/bash",),
        "debian",
        29_700_000,
    ),
    Image(
        "docker.io/library/nginx",
        (
            r"latest|stable|mainline|alpine|alpine-slim|perl|stable-alpine|mainline-alpine",
            r"1(\.(1[5-9]|2[0-7])(\.\d{1,2})?)?(-(alpine|alpine-slim|perl|bookworm|alpine-perl))?",
        ),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        programs={"nginx": NGINX},
        files={
            "/docker-entrypoint.sh": "entrypoint",
            "/usr/share/nginx/html/index.html": "",
            "/etc/nginx/nginx.conf": "",
        },
        size_bytes=72_100_000,
        description="web server on port 80 (/, /index.html; 404 elsewhere)",
    ),
    Image(
        "docker.io/nginxinc/nginx-unprivileged",
        (r"latest|stable|alpine", r"1(\.(2[0-7])(\.\d{1,2})?)?(-alpine)?"),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        programs={
            "nginx": AppSpec(
                http_ports={8080: {"/": 200, "/index.html": 200}},
                start_logs=NGINX.start_logs,
                stop_exit_code=0,
                usage=NGINX.usage,
            )
        },
        files={"/docker-entrypoint.sh": "entrypoint"},
        size_bytes=72_300_000,
        description="nginx as a non-root user, on port 8080",
    ),
    Image(
        "docker.io/library/httpd",
        (r"latest|alpine|2|2\.4", r"2\.4\.(5\d|6[0-2])(-alpine)?"),
        cmd=("httpd-foreground",),
        programs={"httpd-foreground": HTTPD, "httpd": HTTPD},
        size_bytes=58_000_000,
        description="Apache web server on port 80",
    ),
    Image(
        "docker.io/library/redis",
        (r"latest|alpine|[67]", r"[67]\.\d(\.\d{1,2})?(-alpine|-bookworm)?"),
        entrypoint=("docker-entrypoint.sh",),
        cmd=("redis-server",),
        programs={"redis-server": REDIS},
        files=_DOCKER_ENTRYPOINT,
        size_bytes=45_000_000,
        description="key-value store on TCP 6379",
    ),
    Image(
        "docker.io/library/postgres",
        (r"latest|alpine", r"1[2-7](\.\d{1,2})?(-(alpine|bookworm|bullseye))?"),
        entrypoint=("docker-entrypoint.sh",),
        cmd=("postgres",),
        programs={"postgres": POSTGRES},
        files=_DOCKER_ENTRYPOINT,
        size_bytes=158_000_000,
        description="database on TCP 5432; exits 1 without POSTGRES_PASSWORD",
    ),
    Image(
        "docker.io/library/mysql",
        (r"latest|lts|[89]", r"8\.(0|4)(\.\d{1,2})?|9\.\d(\.\d)?"),
        entrypoint=("docker-entrypoint.sh",),
        cmd=("mysqld",),
        programs={"mysqld": MYSQL},
        files=_DOCKER_ENTRYPOINT,
        size_bytes=170_000_000,
        description="database on TCP 3306; exits 1 without MYSQL_ROOT_PASSWORD",
    ),
    Image(
        "docker.io/library/python",
        (
            r"latest|3|slim|alpine",
            r"3(\.(8|9|1[0-3])(\.\d{1,2})?)?(-(slim|alpine|bookworm|slim-bookworm))?",
        ),
        cmd=("python3",),
        programs={"python": "python", "python3": "python", "pip": "true"},
        size_bytes=52_000_000,
        description="python3 interpreter; `python app.py` needs the file",
    ),
    Image(
        "docker.io/library/node",
        (
            r"latest|lts|current|alpine|slim",
            r"(18|20|22|23)(\.\d{1,2}(\.\d{1,2})?)?(-(alpine|slim|bookworm))?",
        ),
        entrypoint=("docker-entrypoint.sh",),
        cmd=("node",),
        programs={"node": "node", "npm": "true"},
        files=_DOCKER_ENTRYPOINT,
        size_bytes=67_000_000,
        description="node interpreter",
    ),
    Image(
        "docker.io/library/eclipse-temurin",
        (r"latest|(17|21)(-jre|-jdk)?(-alpine)?",),
        cmd=("jshell",),
        programs={"java": "java", "jshell": "true"},
        size_bytes=90_000_000,
        description="Java runtime",
    ),
    Image(
        "docker.io/curlimages/curl",
        (r"latest|8\.\d{1,2}\.\d",),
        entrypoint=("curl",),
        base="alpine",
        programs={"curl": "curl"},
        size_bytes=10_000_000,
        description="curl client",
    ),
    Image(
        "docker.io/polinux/stress",
        (r"latest|1\.0\.4",),
        cmd=("stress", "--help"),
        base="alpine",
        programs={"stress": "stress"},
        size_bytes=4_000_000,
        description="stress --vm-bytes N allocates N (the Kubernetes docs' OOM example)",
    ),
    Image(
        "registry.k8s.io/e2e-test-images/agnhost",
        (r"2\.(3\d|4\d|5[0-3])",),
        entrypoint=("/agnhost",),
        base="busybox",
        files={"/agnhost": "agnhost"},
        size_bytes=51_000_000,
        description="Kubernetes test server: `liveness` fails /healthz after 10s, "
        "`netexec` serves 8080",
    ),
    Image(
        "docker.io/hashicorp/http-echo",
        (r"latest|1\.0(\.0)?|0\.2\.3",),
        entrypoint=("/http-echo",),
        base="distroless",
        files={"/http-echo": "http-echo"},
        size_bytes=3_700_000,
        description="echoes -text on -listen (default :5678)",
    ),
    Image(
        "registry.k8s.io/pause",
        (r"3\.(9|10)",),
        entrypoint=("/pause",),
        base="distroless",
        files={"/pause": "pause"},
        programs={"pause": PAUSE},
        size_bytes=320_000,
        description="sleeps forever",
    ),
    Image(
        "gcr.io/distroless/static-debian12",
        (r"latest|nonroot|debug",),
        base="distroless",
        size_bytes=2_000_000,
        description="no shell and no entrypoint",
    ),
    Image(
        "registry.k8s.io/metrics-server/metrics-server",
        (r"v0\.7\.[0-2]|v0\.6\.\d",),
        entrypoint=("/metrics-server",),
        base="distroless",
        files={"/metrics-server": "metrics-server"},
        programs={"metrics-server": METRICS_SERVER},
        size_bytes=19_000_000,
        description="serves metrics.k8s.io on 10250",
    ),
    Image(
        "registry.k8s.io/coredns/coredns",
        (r"v1\.1[01]\.\d",),
        entrypoint=("/coredns",),
        base="distroless",
        files={"/coredns": "coredns"},
        programs={"coredns": COREDNS},
        size_bytes=18_000_000,
        description="cluster DNS; /health on 8080, /ready on 8181",
    ),
    Image(
        "ghcr.io/kubemedic/todo-backend",
        (r"latest|1\.[0-2]\.0|1\.2\.1|1\.3\.0",),
        entrypoint=("uvicorn", "todo.main:app"),
        cmd=_UVICORN_ARGS,
        programs={"uvicorn": TODO_BACKEND, "python": "python", "python3": "python"},
        size_bytes=61_000_000,
        tag_traits={
            r"1\.2\.1": {"memory_growth": 1.5 * MiB},
            r"1\.3\.0": {"error_ratio": 0.2, "latency_seconds": 0.35},
        },
        description="Todo API on 8080 (/healthz, /readyz, /api/todos); needs DATABASE_URL; "
        "1.2.1 leaks memory, 1.3.0 fails 20% of requests",
    ),
    Image(
        "ghcr.io/kubemedic/todo-backend-private",
        (r"latest|1\.[0-2]\.0",),
        entrypoint=("uvicorn", "todo.main:app"),
        cmd=_UVICORN_ARGS,
        programs={"uvicorn": TODO_BACKEND},
        private=True,
        size_bytes=61_000_000,
        description="the Todo API from a private repository: needs a pull secret for ghcr.io",
    ),
    Image(
        "ghcr.io/kubemedic/todo-frontend",
        (r"latest|1\.[0-2]\.0",),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        base="alpine",
        programs={"nginx": TODO_FRONTEND},
        files={"/docker-entrypoint.sh": "entrypoint"},
        size_bytes=24_000_000,
        description="Todo web front end (nginx) on 8080 (/, /healthz)",
    ),
    Image(
        "ghcr.io/kubemedic/todo-migrate",
        (r"latest|1\.[0-2]\.0",),
        entrypoint=("todo-migrate",),
        programs={"todo-migrate": DB_MIGRATE},
        size_bytes=61_000_000,
        description="one-shot database migration: exits 0 after 6s",
    ),
    Image(
        "ghcr.io/kubemedic/report-worker",
        (r"1\.0\.0",),
        entrypoint=("/app/report-worker",),
        files={"/app/report-worker": "report-worker", "/app/run.sh": "!"},
        architectures=("arm64",),
        single_platform=True,
        size_bytes=35_000_000,
        description="built on an arm64 laptop only: exec format error on amd64 nodes; "
        "/app/run.sh is not executable",
    ),
)


def builtin_catalog() -> Catalog:
    return Catalog(BUILTIN_IMAGES, KNOWN_REGISTRIES)
