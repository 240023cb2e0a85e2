"""Images of Kubernetes itself, its documentation and tutorials, distroless bases, and the demo.

``registry.k8s.io`` serves the docs' test images (agnhost, busybox, pause, nginx-slim,
hpa-example), distroless images have no shell unless their ``debug`` tag adds BusyBox, and the
Todo application's images (and a few teaching images: a private mirror, an arm64-only build, a
memory-leaking release) live here too.
"""

from __future__ import annotations

from kubemedic.sandbox.kubelet import appspecs as apps
from kubemedic.sandbox.kubelet.images import Image, Variant
from kubemedic.sandbox.kubelet.process import MiB

_UVICORN_ARGS = ("--host", "0.0.0.0", "--port", "8080")  # noqa: S104 - a simulated process
_DEBUG = Variant(r"debug(-nonroot)?", "busybox", 3_000_000)


def _distroless(name: str, entrypoint: tuple[str, ...], programs: dict[str, str]) -> Image:
    return Image(
        f"gcr.io/distroless/{name}",
        (r"latest|nonroot|debug|debug-nonroot",),
        entrypoint=entrypoint,
        base="distroless",
        programs=programs,
        files={path: path.rsplit("/", 1)[-1] for path in entrypoint[:1]},
        size_bytes=2_000_000 if not programs else 50_000_000,
        variants=(_DEBUG,),
        description="distroless: no shell (the debug tag has BusyBox)",
    )


KUBERNETES_IMAGES: tuple[Image, ...] = (
    Image(
        "registry.k8s.io/busybox",
        (r"latest|1\.2[4-9](\.\d)?",),
        cmd=("sh",),
        base="busybox",
        size_bytes=1_144_000,
        description="busybox base image",
    ),
    Image(
        "registry.k8s.io/e2e-test-images/busybox",
        (r"1\.29-[1-4]|1\.3[67]\.\d-\d",),
        cmd=("sh",),
        base="busybox",
        size_bytes=1_400_000,
        description="busybox base image",
    ),
    Image(
        "registry.k8s.io/e2e-test-images/agnhost",
        (r"2\.(2\d|3\d|4\d|5[0-3])",),
        entrypoint=("/agnhost",),
        base="busybox",
        files={"/agnhost": "agnhost"},
        size_bytes=51_000_000,
        description="Kubernetes test server: `liveness` fails /healthz after 10s, "
        "`netexec` serves 8080",
    ),
    Image(
        "registry.k8s.io/pause",
        (r"latest|3\.([0-9]|10)",),
        entrypoint=("/pause",),
        base="distroless",
        files={"/pause": "pause"},
        programs={"pause": apps.PAUSE},
        size_bytes=320_000,
        description="sleeps forever",
    ),
    Image(
        "registry.k8s.io/nginx-slim",
        (r"0\.(8|1\d|2[0-7])",),
        cmd=("nginx", "-g", "daemon off;"),
        programs={"nginx": apps.NGINX},
        files={"/usr/share/nginx/html/index.html": ""},
        size_bytes=45_000_000,
        description="nginx on port 80 (the StatefulSet tutorial's image)",
    ),
    Image(
        "registry.k8s.io/hpa-example",
        (r"latest",),
        cmd=("apache2-foreground",),
        programs={"apache2-foreground": apps.HPA_EXAMPLE},
        size_bytes=180_000_000,
        description="php-apache on port 80: each request burns CPU (the HPA walkthrough)",
    ),
    Image(
        "registry.k8s.io/metrics-server/metrics-server",
        (r"v0\.7\.[0-2]|v0\.6\.\d",),
        entrypoint=("/metrics-server",),
        base="distroless",
        files={"/metrics-server": "metrics-server"},
        programs={"metrics-server": apps.METRICS_SERVER},
        size_bytes=19_000_000,
        description="serves metrics.k8s.io on 10250",
    ),
    Image(
        "registry.k8s.io/coredns/coredns",
        (r"v1\.(9|1[01])\.\d",),
        entrypoint=("/coredns",),
        base="distroless",
        files={"/coredns": "coredns"},
        programs={"coredns": apps.COREDNS},
        size_bytes=18_000_000,
        description="cluster DNS; /health on 8080, /ready on 8181",
    ),
    Image(
        "gcr.io/google-samples/hello-app",
        (r"1\.0|2\.0",),
        entrypoint=("/hello-app",),
        base="distroless",
        files={"/hello-app": "hello-app"},
        programs={"hello-app": apps.HELLO_APP},
        size_bytes=11_000_000,
        description="answers `Hello, world!` on 8080",
    ),
    Image(
        "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend",
        (r"v5",),
        cmd=("apache2-foreground",),
        programs={"apache2-foreground": apps.HTTP_ANY},
        size_bytes=170_000_000,
        description="the guestbook tutorial's front end on port 80",
    ),
    Image(
        "gcr.io/google_samples/gb-redis-follower",
        (r"v2",),
        cmd=("redis-server",),
        programs={"redis-server": apps.REDIS},
        size_bytes=40_000_000,
        description="the guestbook tutorial's Redis follower on TCP 6379",
    ),
    _distroless("static-debian11", (), {}),
    _distroless("static-debian12", (), {}),
    _distroless("base-debian12", (), {}),
    _distroless(
        "python3-debian12", ("/usr/bin/python3.11",), {"python3": "python", "python3.11": "python"}
    ),
    _distroless("nodejs20-debian12", ("/nodejs/bin/node",), {"node": "node"}),
    _distroless("java17-debian12", ("/usr/bin/java", "-jar"), {"java": "java"}),
)

DEMO_IMAGES: tuple[Image, ...] = (
    Image(
        "ghcr.io/kubemedic/todo-backend",
        (r"latest|1\.[0-2]\.0|1\.2\.1|1\.3\.0",),
        entrypoint=("uvicorn", "todo.main:app"),
        cmd=_UVICORN_ARGS,
        programs={"uvicorn": apps.TODO_BACKEND, "python": "python", "python3": "python"},
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
        programs={"uvicorn": apps.TODO_BACKEND},
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
        programs={"nginx": apps.TODO_FRONTEND},
        files={"/docker-entrypoint.sh": "entrypoint"},
        size_bytes=24_000_000,
        description="Todo web front end (nginx) on 8080 (/, /healthz)",
    ),
    Image(
        "ghcr.io/kubemedic/todo-migrate",
        (r"latest|1\.[0-2]\.0",),
        entrypoint=("todo-migrate",),
        programs={"todo-migrate": apps.DB_MIGRATE},
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
