"""Public images manifests in the wild use: base systems, servers, databases, languages, tools.

Tags follow the real patterns, older ones included (``busybox:1.28``, ``python:3.7-slim-buster``,
``node:18-alpine``, ``nginx:1.25.3-alpine``). Variants change what a tag is built on: an
``-alpine`` tag has BusyBox's ``sh`` and applets (``wget``, ``nc``, ``dd`` ...), a ``-slim``
tag a bare Debian, and a full Debian build adds ``curl`` and ``wget``.
"""

from __future__ import annotations

from kubemedic.sandbox.kubelet import appspecs as apps
from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.images import Image, Variant

_ENTRYPOINT = {
    "/usr/local/bin/docker-entrypoint.sh": "entrypoint",
    "docker-entrypoint.sh": "entrypoint",
}
_DEBIAN_WORDS = r"bookworm|bullseye|buster|stretch|trixie"
_LANGUAGE_SUFFIX = rf"(slim-)?({_DEBIAN_WORDS})(-slim)?|slim|alpine(3\.\d{{1,2}})?"
_NETWORK = {"curl": "curl", "wget": "wget"}
_ALPINE = r".*alpine.*"
_SLIM = r".*slim.*"


def _os(
    repository: str, tags: tuple[str, ...], cmd: str, base: str, size: int, *variants: Variant
) -> Image:
    return Image(
        repository,
        tags,
        cmd=(cmd,),
        base=base,
        size_bytes=size,
        variants=variants,
        description=f"{base} base image",
    )


def _server(
    repository: str,
    tags: tuple[str, ...],
    program: str,
    app: AppSpec,
    size: int,
    *,
    tools: tuple[str, ...] = (),
    variants: tuple[Variant, ...] = (),
    base: str = "debian",
    description: str,
) -> Image:
    """An official server image: ``docker-entrypoint.sh`` starting ``program``."""
    return Image(
        repository,
        tags,
        entrypoint=("docker-entrypoint.sh",),
        cmd=(program,),
        base=base,
        programs={program: app, **{tool: "true" for tool in tools}},
        files=_ENTRYPOINT,
        size_bytes=size,
        variants=variants,
        description=description,
    )


def _language(
    repository: str,
    tags: tuple[str, ...],
    cmd: tuple[str, ...],
    programs: dict[str, str],
    sizes: tuple[int, int, int],
    *,
    entrypoint: tuple[str, ...] = (),
    description: str,
) -> Image:
    """A language image: full Debian (curl, wget), ``-slim`` and ``-alpine`` builds."""
    full, slim, alpine = sizes
    return Image(
        repository,
        tags,
        entrypoint=entrypoint,
        cmd=cmd,
        programs=programs,
        files=_ENTRYPOINT if entrypoint else {},
        size_bytes=full,
        variants=(
            Variant(_ALPINE, "alpine", alpine),
            Variant(_SLIM, "debian", slim),
            Variant(r".*", "debian", full, _NETWORK),
        ),
        description=description,
    )


PUBLIC_IMAGES: tuple[Image, ...] = (
    _os(
        "docker.io/library/busybox",
        (
            r"latest|stable|unstable|musl|glibc|uclibc|1(-(musl|glibc|uclibc))?",
            r"1\.(2[0-9]|3[0-7])(\.[0-9])?(-(musl|glibc|uclibc))?",
        ),
        "sh",
        "busybox",
        2_160_000,
    ),
    _os(
        "docker.io/library/alpine",
        (r"latest|edge|3", r"3\.([0-9]|1[0-9]|2[01])(\.\d{1,2})?"),
        "/bin/sh",
        "alpine",
        3_640_000,
    ),
    _os(
        "docker.io/library/debian",
        (
            rf"latest|stable|stable-slim|sid|sid-slim|({_DEBIAN_WORDS})(-slim)?",
            r"(9|1[0-3])(\.\d{1,2})?(-slim)?",
        ),
        "bash",
        "debian",
        48_500_000,
        Variant(_SLIM, "debian", 28_200_000),
    ),
    _os(
        "docker.io/library/ubuntu",
        (
            r"latest|rolling|devel|xenial|bionic|focal|jammy|noble|oracular",
            r"(14|16|18|20|22|24)\.04(\.\d)?|2[345]\.10",
        ),
        "/bin/bash",
        "debian",
        29_700_000,
    ),
    Image(
        "docker.io/library/nginx",
        (
            r"latest|stable|mainline|perl|bookworm|alpine|alpine-slim|alpine-perl"
            r"|(stable|mainline)(-(perl|bookworm|bullseye|alpine|alpine-slim|alpine-perl))?",
            r"1(\.([0-9]|1[0-9]|2[0-7])(\.\d{1,2})?)?"
            r"(-(alpine|alpine-slim|alpine-perl|alpine3\.\d{1,2}|perl|bookworm|bullseye))?",
        ),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        programs={"nginx": apps.NGINX},
        files={
            "/docker-entrypoint.sh": "entrypoint",
            "/usr/share/nginx/html/index.html": "",
            "/etc/nginx/nginx.conf": "",
        },
        size_bytes=72_100_000,
        variants=(
            Variant(r".*alpine-slim.*", "alpine", 5_400_000),
            Variant(_ALPINE, "alpine", 20_500_000, {"curl": "curl"}),
            Variant(r".*", "debian", 72_100_000, {"curl": "curl"}),
        ),
        description="web server on port 80 (/, /index.html; 404 elsewhere); curl inside",
    ),
    Image(
        "docker.io/nginxinc/nginx-unprivileged",
        (r"latest|stable|mainline|alpine|alpine-slim", r"1(\.(2[0-7])(\.\d{1,2})?)?(-alpine)?"),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        programs={
            "nginx": AppSpec(
                http_ports={8080: {"/": 200, "/index.html": 200}},
                start_logs=apps.NGINX.start_logs,
                stop_exit_code=0,
                usage=apps.NGINX.usage,
            )
        },
        files={"/docker-entrypoint.sh": "entrypoint"},
        size_bytes=72_300_000,
        variants=(Variant(_ALPINE, "alpine", 20_700_000, {"curl": "curl"}),),
        description="nginx as a non-root user, on port 8080",
    ),
    Image(
        "docker.io/library/httpd",
        (r"latest|alpine|2|2\.4", r"2\.4(\.(4[0-9]|5[0-9]|6[0-2]))?(-alpine)?"),
        cmd=("httpd-foreground",),
        programs={"httpd-foreground": apps.HTTPD, "httpd": apps.HTTPD},
        size_bytes=58_000_000,
        variants=(Variant(_ALPINE, "alpine", 22_000_000),),
        description="Apache web server on port 80",
    ),
    _server(
        "docker.io/library/redis",
        (
            r"latest|alpine|bookworm|[4-7]",
            r"[4-7]\.\d(\.\d{1,2})?(-(alpine(3\.\d{1,2})?|bookworm|bullseye|buster))?",
        ),
        "redis-server",
        apps.REDIS,
        45_000_000,
        tools=("redis-cli",),
        variants=(Variant(_ALPINE, "alpine", 17_000_000),),
        description="key-value store on TCP 6379",
    ),
    _server(
        "docker.io/library/postgres",
        (
            r"latest|alpine|bookworm|bullseye|9|9\.6(\.\d{1,2})?",
            r"1[0-7](\.\d{1,2})?(-(alpine(3\.\d{1,2})?|bookworm|bullseye))?",
        ),
        "postgres",
        apps.POSTGRES,
        158_000_000,
        tools=("psql", "pg_isready"),
        variants=(Variant(_ALPINE, "alpine", 105_000_000),),
        description="database on TCP 5432; exits 1 without POSTGRES_PASSWORD",
    ),
    _server(
        "docker.io/library/mysql",
        (
            r"latest|lts|innovation|oracle|debian|[589]",
            r"(5\.7|8\.[0-4]|9\.\d)(\.\d{1,2})?(-(oracle|debian))?",
        ),
        "mysqld",
        apps.MYSQL,
        170_000_000,
        tools=("mysql", "mysqladmin"),
        base="rhel",
        variants=(Variant(r".*debian.*", "debian"),),
        description="database on TCP 3306; exits 1 without MYSQL_ROOT_PASSWORD; bash is sh",
    ),
    _server(
        "docker.io/library/mongo",
        (r"latest|[4-8]", r"(4\.[024]|5\.0|6\.0|7\.0|8\.0)(\.\d{1,2})?(-(jammy|focal|noble))?"),
        "mongod",
        apps.MONGO,
        250_000_000,
        tools=("mongosh", "mongo"),
        description="database on TCP 27017",
    ),
    _server(
        "docker.io/library/memcached",
        (r"latest|alpine|1", r"1\.6(\.\d{1,2})?(-alpine)?"),
        "memcached",
        apps.MEMCACHED,
        32_000_000,
        variants=(Variant(_ALPINE, "alpine", 5_000_000),),
        description="cache on TCP 11211",
    ),
    _server(
        "docker.io/library/rabbitmq",
        (
            r"latest|management|alpine|management-alpine|[34]",
            r"(3\.1[0-3]|4\.0)(\.\d{1,2})?(-(management|alpine|management-alpine))?",
        ),
        "rabbitmq-server",
        apps.RABBITMQ,
        95_000_000,
        tools=("rabbitmq-diagnostics", "rabbitmqctl"),
        variants=(Variant(_ALPINE, "alpine", 60_000_000),),
        description="message broker on TCP 5672 (management on 15672)",
    ),
    _server(
        "docker.io/library/wordpress",
        (r"latest|apache|fpm|[56]", r"[56]\.\d(\.\d{1,2})?(-(apache|php8\.\d(-apache)?))?"),
        "apache2-foreground",
        apps.WORDPRESS,
        250_000_000,
        description="WordPress on port 80",
    ),
    _language(
        "docker.io/library/python",
        (
            rf"latest|3|{_LANGUAGE_SUFFIX}",
            rf"(2\.7|3\.([5-9]|1[0-4]))(\.\d{{1,2}})?(-({_LANGUAGE_SUFFIX}))?",
        ),
        ("python3",),
        {"python": "python", "python3": "python", "pip": "true", "pip3": "true"},
        (380_000_000, 45_000_000, 18_000_000),
        description="python3 interpreter; `python app.py` needs the file",
    ),
    _language(
        "docker.io/library/node",
        (
            rf"latest|lts|current|(lts|current)-(alpine|slim)|{_LANGUAGE_SUFFIX}",
            rf"(1[0-9]|2[0-3])(\.\d{{1,2}}){{0,2}}(-({_LANGUAGE_SUFFIX}))?",
        ),
        ("node",),
        {"node": "node", "npm": "true", "npx": "true"},
        (400_000_000, 70_000_000, 50_000_000),
        entrypoint=("docker-entrypoint.sh",),
        description="node interpreter",
    ),
    _language(
        "docker.io/library/eclipse-temurin",
        (r"latest|(8|11|17|21)(-jre|-jdk)?(-(alpine|jammy|noble|focal))?",),
        ("jshell",),
        {"java": "java", "jshell": "true"},
        (90_000_000, 90_000_000, 60_000_000),
        description="Java runtime",
    ),
    _language(
        "docker.io/library/openjdk",
        (r"latest|(8|11|17|18|21|22)(-(jre|jdk))?(-(slim|alpine|slim-buster|slim-bullseye))?",),
        ("jshell",),
        {"java": "java", "jshell": "true"},
        (200_000_000, 120_000_000, 70_000_000),
        description="Java runtime (deprecated image, still pulled)",
    ),
    Image(
        "docker.io/curlimages/curl",
        (r"latest|[78]\.\d{1,2}\.\d",),
        entrypoint=("curl",),
        base="alpine",
        programs={"curl": "curl"},
        size_bytes=10_000_000,
        description="curl client",
    ),
    Image(
        "docker.io/radial/busyboxplus",
        (r"latest|curl|git",),
        cmd=("/bin/sh",),
        base="busybox",
        programs={"curl": "curl"},
        size_bytes=4_200_000,
        description="BusyBox with curl (the Kubernetes docs' debugging image)",
    ),
    Image(
        "docker.io/bitnami/kubectl",
        (r"latest|1\.(1[89]|2\d|3[0-2])(\.\d{1,2})?(-debian-1[12]-r\d{1,3})?",),
        entrypoint=("kubectl",),
        cmd=("--help",),
        programs={"kubectl": "kubectl"},
        size_bytes=80_000_000,
        description="kubectl on Bitnami's minideb (bash, coreutils)",
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
        "docker.io/progrium/stress",
        (r"latest",),
        entrypoint=("/usr/bin/stress", "--verbose"),
        programs={"stress": "stress"},
        files={"/usr/bin/stress": "stress"},
        size_bytes=100_000_000,
        description="stress on Ubuntu",
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
        "docker.io/traefik/whoami",
        (r"latest|v1\.\d{1,2}(\.\d)?",),
        entrypoint=("/whoami",),
        base="distroless",
        files={"/whoami": "whoami-server"},
        programs={"whoami-server": apps.HTTP_ANY},
        size_bytes=3_000_000,
        description="answers every path on port 80",
    ),
    Image(
        "docker.io/kennethreitz/httpbin",
        (r"latest",),
        cmd=("gunicorn", "-b", "0.0.0.0:80", "httpbin:app"),
        programs={"gunicorn": apps.HTTP_ANY, "python": "python", "python3": "python"},
        size_bytes=200_000_000,
        description="httpbin on port 80",
    ),
    Image(
        "docker.io/prom/prometheus",
        (r"latest|main|v[23]\.\d{1,2}\.\d",),
        entrypoint=("/bin/prometheus",),
        cmd=("--config.file=/etc/prometheus/prometheus.yml",),
        base="busybox",
        files={"/bin/prometheus": "prometheus"},
        programs={"prometheus": apps.PROMETHEUS},
        size_bytes=110_000_000,
        description="Prometheus on 9090 (/-/healthy, /-/ready)",
    ),
    Image(
        "docker.io/grafana/grafana",
        (r"latest|main|(9|10|11)\.\d{1,2}\.\d{1,2}(-ubuntu)?",),
        entrypoint=("/run.sh",),
        base="alpine",
        files={"/run.sh": "grafana-server"},
        programs={"grafana-server": apps.GRAFANA},
        size_bytes=120_000_000,
        description="Grafana on 3000 (/api/health)",
    ),
)
