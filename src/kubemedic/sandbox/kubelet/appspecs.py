"""How the servers of the catalog's images behave: ports, start-up logs, needs and load.

Each is an ``AppSpec`` (data, not code): nginx and httpd serve HTTP on 80, the databases
listen on their TCP ports once started and exit 1 with their real complaint when their
password variable is missing, and the Todo application's images do what the demo needs.
"""

from __future__ import annotations

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.process import MiB, Usage

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


MONGO = AppSpec(
    tcp_ports=(27017,),
    startup_seconds=2,
    start_logs=(
        '{"t":{"$date":"2024-11-20T10:00:00.000+00:00"},"s":"I",  "c":"NETWORK",  "id":23015,'
        '   "ctx":"listener","msg":"Listening on","attr":{"address":"0.0.0.0"}}',
        '{"t":{"$date":"2024-11-20T10:00:00.001+00:00"},"s":"I",  "c":"NETWORK",  "id":23016,'
        '   "ctx":"listener","msg":"Waiting for connections","attr":{"port":27017,"ssl":"off"}}',
    ),
    usage=Usage(cpu_cores=0.01, memory_bytes=90 * MiB),
)
MEMCACHED = AppSpec(tcp_ports=(11211,), startup_seconds=0.2, usage=Usage(memory_bytes=3 * MiB))
RABBITMQ = AppSpec(
    tcp_ports=(5672,),
    http_ports={15672: {"/": 200, "/api/health/checks/alarms": 200}},
    startup_seconds=8,
    start_logs=("  Starting broker... completed with 3 plugins.",),
    usage=Usage(cpu_cores=0.02, memory_bytes=110 * MiB),
)
PROMETHEUS = AppSpec(
    http_ports={9090: {"/": 302, "/-/healthy": 200, "/-/ready": 200, "/metrics": 200}},
    startup_seconds=1,
    start_logs=(
        'ts=2024-11-20T10:00:00.000Z caller=main.go:1329 level=info msg="Server is ready'
        ' to receive web requests."',
    ),
    usage=Usage(cpu_cores=0.01, memory_bytes=60 * MiB),
)
GRAFANA = AppSpec(
    http_ports={3000: {"/": 302, "/login": 200, "/api/health": 200}},
    startup_seconds=3,
    start_logs=(
        'logger=http.server t=2024-11-20T10:00:03Z level=info msg="HTTP Server Listen"'
        " address=[::]:3000 protocol=http",
    ),
    usage=Usage(cpu_cores=0.005, memory_bytes=70 * MiB),
)
HTTP_ANY = AppSpec(
    http_ports={80: {"*": 200}},
    startup_seconds=0.5,
    usage=Usage(cpu_cores=0.001, memory_bytes=6 * MiB, requests_per_second=1),
)
HELLO_APP = AppSpec(
    http_ports={8080: {"*": 200}},
    startup_seconds=0.2,
    start_logs=("2024/11/20 10:00:00 Server listening on port 8080",),
    usage=Usage(cpu_cores=0.001, memory_bytes=4 * MiB, requests_per_second=1),
)
HPA_EXAMPLE = AppSpec(
    http_ports={80: {"/": 200, "/index.php": 200}},
    startup_seconds=1,
    usage=Usage(cpu_cores=0.001, memory_bytes=10 * MiB, requests_per_second=0, cpu_per_request=0.2),
)
WORDPRESS = AppSpec(
    http_ports={80: {"/": 302, "/wp-login.php": 200, "/wp-admin/install.php": 200}},
    startup_seconds=3,
    start_logs=(
        "WordPress not found in /var/www/html - copying now...",
        "Complete! WordPress has been successfully copied to /var/www/html",
    ),
    usage=Usage(cpu_cores=0.002, memory_bytes=30 * MiB, requests_per_second=1),
)
