"""Start-up refusals of well-known images: the exact line each prints, what it means, the fix.

Databases, search engines and web servers check their environment before they start and exit
with one line that names the problem: postgres without ``POSTGRES_PASSWORD``, ``initdb`` on a
volume that holds ``lost+found``, Elasticsearch on a node whose ``vm.max_map_count`` is too
low, nginx unable to resolve an upstream. A generic log reading sees "an error"; these rules
know the mechanism behind each line. They are tried before the generic rules of
``_log_rules`` and documented, one row each, in ``docs/image-refusals.md`` (a test keeps the
page and this table in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refusal:
    """One known refusal: how it is recognised, what it means and what fixes it.

    ``kind`` is the value of the ``LogKind`` the line counts as (``missing-env``,
    ``data-dir``, ...): it decides the category and the generic advice. ``meaning`` and
    ``fix`` may name the line's subject as ``{subject}``; ``subject`` is the default when the
    pattern captures none.
    """

    id: str
    image: str
    kind: str
    pattern: re.Pattern[str]
    meaning: str
    fix: str
    example: str
    subject: str = ""

    def subject_of(self, line: str) -> str:
        found = self.pattern.search(line)
        groups = found.groupdict() if found else {}
        if groups.get("host") is not None and groups.get("port"):
            return f"{groups['host']}:{groups['port']}"
        return groups.get("subject") or self.subject

    def said(self, text: str, line: str) -> str:
        """``text`` (meaning or fix) with the line's subject filled in."""
        return text.replace("{subject}", self.subject_of(line) or "it")


def _refusal(
    id: str,
    image: str,
    kind: str,
    pattern: str,
    meaning: str,
    fix: str,
    example: str,
    subject: str = "",
) -> Refusal:
    return Refusal(id, image, kind, re.compile(pattern), meaning, fix, example, subject)


REFUSALS: tuple[Refusal, ...] = (
    _refusal(
        "postgres.no-password",
        "postgres",
        "missing-env",
        r"Database is uninitialized and superuser password is not specified",
        "the postgres image will not initialise an empty data directory without a superuser "
        "password",
        "Set POSTGRES_PASSWORD from a Secret (POSTGRES_HOST_AUTH_METHOD=trust only for "
        "throw-away instances).",
        "Error: Database is uninitialized and superuser password is not specified.",
        "POSTGRES_PASSWORD",
    ),
    _refusal(
        "postgres.data-dir-not-empty",
        "postgres",
        "data-dir",
        r'initdb: (?:error: )?directory "(?P<subject>[^"]+)" exists but is not empty',
        "initdb only initialises an empty directory, and {subject} is not empty: a fresh ext4 "
        "volume mounted there holds lost+found, or an earlier failed initdb left files",
        "Point PGDATA at a subdirectory of the mount ({subject}/pgdata), or mount the volume "
        "with subPath: pgdata.",
        'initdb: error: directory "/var/lib/postgresql/data" exists but is not empty',
    ),
    _refusal(
        "postgres.wrong-ownership",
        "postgres",
        "file-permission",
        r'data directory "(?P<subject>/[^"]+)" has wrong ownership',
        "the server must run as the owner of its data directory, and the volume at {subject} "
        "belongs to another uid",
        "Give the volume to the server's uid (see volume.permission-denied: fsGroup on block "
        "storage, ownership on the NFS server).",
        'FATAL:  data directory "/bitnami/postgresql/data" has wrong ownership',
    ),
    _refusal(
        "postgres.bad-config",
        "postgres",
        "bad-config",
        r'configuration file "(?P<subject>[^"]+)" contains errors',
        "postgres refuses to start with an invalid {subject}; the line before names the setting",
        "Fix the setting the previous log line names in {subject} (usually a mounted ConfigMap).",
        'FATAL:  configuration file "/etc/postgresql/postgresql.conf" contains errors',
    ),
    _refusal(
        "mysql.no-password",
        "mysql / mariadb",
        "missing-env",
        r"(?i)database is uninitialized and (?:password option is not specified|"
        r"MYSQL_ROOT_PASSWORD not set)",
        "the mysql/mariadb image will not initialise an empty data directory without a root "
        "password option",
        "Set MYSQL_ROOT_PASSWORD (MARIADB_ROOT_PASSWORD on mariadb images) from a Secret, or "
        "MYSQL_RANDOM_ROOT_PASSWORD=yes.",
        "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified",
        "MYSQL_ROOT_PASSWORD",
    ),
    _refusal(
        "mysql.data-dir-not-empty",
        "mysql",
        "data-dir",
        r"--initialize specified but the data directory has files in it",
        "mysqld --initialize refuses a data directory that holds any file, and a fresh ext4 "
        "volume holds lost+found",
        "Mount the volume with subPath (e.g. subPath: mysql) so the data directory starts "
        "empty; MySQL 5.7 also takes --ignore-db-dir=lost+found.",
        "[ERROR] [MY-010457] [Server] --initialize specified but the data directory has files "
        "in it. Aborting.",
    ),
    _refusal(
        "mysql.data-dir-unusable",
        "mysql",
        "data-dir",
        r"The designated data directory (?P<subject>\S+?)/? is unusable",
        "mysqld cannot use {subject}: it refused to initialise it (not empty) or could not "
        "write to it",
        "Start from an empty directory: mount the volume with subPath (e.g. subPath: mysql); "
        "check the line before for a permission error.",
        "[ERROR] [MY-013236] [Server] The designated data directory /var/lib/mysql/ is "
        "unusable. You can remove all files that the server added to it.",
    ),
    _refusal(
        "bitnami.empty-password",
        "bitnami (postgresql, mysql, mariadb, mongodb, redis)",
        "missing-env",
        r"ERROR ==> The (?P<subject>[A-Z][A-Z0-9_]+) environment variable is empty or not set",
        "the Bitnami image validates its environment and {subject} is empty or not set",
        "Set {subject} from a Secret (ALLOW_EMPTY_PASSWORD=yes only for development).",
        "mongodb 21:35:35.88 ERROR ==> The MONGODB_ROOT_PASSWORD environment variable is "
        "empty or not set. Set the environment variable ALLOW_EMPTY_PASSWORD=yes to allow the "
        "container to be started with a blank root password.",
    ),
    _refusal(
        "mongodb.data-dir-permission",
        "mongodb",
        "file-permission",
        r"(?P<subject>/[\w./-]+): handle-open: open: (?:Permission denied|Operation not "
        r"permitted)",
        "mongod (uid 999) may not open its files in the data directory volume",
        "Give the volume to uid 999 (see volume.permission-denied).",
        '{"s":"E","c":"STORAGE","msg":"WiredTiger error","attr":{"error":1,"message":"'
        "[1689157967:30520][29:0x7f7a96f8bcc0], connection: __posix_open_file, 815: "
        '/data/db/WiredTiger.wt: handle-open: open: Operation not permitted"}}',
    ),
    _refusal(
        "mongodb.lock-held",
        "mongodb",
        "data-dir",
        r"Unable to lock the lock file: (?P<subject>\S+)",
        "another mongod holds the lock on the data directory: two pods share one volume, or a "
        "stale lock survived a hard stop",
        "Give every replica its own volume (StatefulSet volumeClaimTemplates); after a crash, "
        "run mongod --repair once.",
        "Unable to lock the lock file: /data/db/mongod.lock (Resource temporarily "
        "unavailable). Another mongod instance is already running on the /data/db directory",
    ),
    _refusal(
        "redis.bad-config",
        "redis",
        "bad-config",
        r"\*\*\* FATAL CONFIG FILE ERROR",
        "redis-server rejects its configuration: a directive this Redis version does not know, "
        "or options passed as one string ('--port 6379' instead of two arguments)",
        "Fix the line the error quotes (>>> '...') in the redis.conf ConfigMap for this Redis "
        "version, or pass each option and value as separate args.",
        "*** FATAL CONFIG FILE ERROR (Redis 6.2.6) ***",
    ),
    _refusal(
        "redis.aof-permission",
        "redis",
        "file-permission",
        r"Can't open the append-only file: Permission denied",
        "redis (uid 999) may not write its append-only file in the data volume",
        "Give the /data volume to uid 999 (see volume.permission-denied).",
        "# Can't open the append-only file: Permission denied",
    ),
    _refusal(
        "elasticsearch.max-map-count",
        "elasticsearch / opensearch",
        "kernel-setting",
        r"max virtual memory areas vm\.max_map_count \[(?P<subject>\d+)\] is too low",
        "the bootstrap checks refuse the node's kernel setting vm.max_map_count={subject}; "
        "Elasticsearch needs at least 262144",
        "Raise vm.max_map_count to 262144 on the nodes (a privileged init container running "
        "sysctl, or the node image); a single test node can use discovery.type=single-node, "
        "which does not enforce the bootstrap checks.",
        "ERROR: [1] bootstrap checks failed [1]: max virtual memory areas vm.max_map_count "
        "[65530] is too low, increase to at least [262144]",
    ),
    _refusal(
        "elasticsearch.max-file-descriptors",
        "elasticsearch / opensearch",
        "kernel-setting",
        r"max file descriptors \[(?P<subject>\d+)\] for elasticsearch process is too low",
        "the bootstrap checks refuse the open-file limit {subject}; Elasticsearch needs 65535",
        "Raise the container runtime's open-file limit (LimitNOFILE of containerd) on the nodes.",
        "max file descriptors [4096] for elasticsearch process is too low, increase to at "
        "least [65535]",
    ),
    _refusal(
        "elasticsearch.discovery",
        "elasticsearch / opensearch",
        "bad-config",
        r"the default discovery settings are unsuitable for production use",
        "a node bound to a non-loopback address needs discovery settings: none of "
        "discovery.seed_hosts, discovery.seed_providers, cluster.initial_master_nodes is set",
        "Set discovery.seed_hosts and cluster.initial_master_nodes to the master pods "
        "(StatefulSet names), or discovery.type=single-node for one node.",
        "the default discovery settings are unsuitable for production use; at least one of "
        "[discovery.seed_hosts, discovery.seed_providers, cluster.initial_master_nodes] must "
        "be configured",
    ),
    _refusal(
        "nginx.host-not-found",
        "nginx",
        "dns",
        r'host not found in (?:upstream|resolver) "(?P<subject>[^"]+)"',
        "nginx resolves every upstream once at start and exits when {subject} does not "
        "resolve: the Service does not exist (yet), or is in another namespace",
        "Create the Service (or fix the name: service.namespace); to start without it, "
        "proxy_pass through a variable with a resolver so nginx resolves at request time.",
        'nginx: [emerg] host not found in upstream "netbox" in /etc/netbox-nginx/nginx.conf:21',
    ),
    _refusal(
        "nginx.bad-config",
        "nginx",
        "bad-config",
        r"\[emerg\].*(?:unknown directive|directive is not allowed here|is not terminated by|"
        r"invalid number of arguments|unexpected \"\}\"|unexpected end of file).* in "
        r"(?P<subject>/\S+:\d+)",
        "nginx rejects its configuration at {subject}",
        "Fix {subject} (usually a ConfigMap mounted into /etc/nginx); nginx -t checks it.",
        'nginx: [emerg] unknown directive "server " in /etc/nginx/conf.d/default.conf:1',
    ),
    _refusal(
        "nginx.bind-permission",
        "nginx",
        "port-permission",
        r"bind\(\) to (?P<subject>\S+) failed \(13: Permission denied\)",
        "nginx runs as a non-root user and may not listen on a port below 1024 ({subject})",
        "Listen on 8080 (the nginx-unprivileged images do), or add NET_BIND_SERVICE.",
        "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)",
    ),
    _refusal(
        "nginx.temp-permission",
        "nginx",
        "file-permission",
        r'mkdir\(\) "(?P<subject>/[^"]+)" failed \(13: Permission denied\)',
        "nginx runs as a non-root user and may not create its temp directory {subject}",
        "Mount an emptyDir at /var/cache/nginx (and /var/run), or use an nginx-unprivileged image.",
        'nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)',
    ),
    _refusal(
        "spring.port-in-use",
        "java / spring boot",
        "address-in-use",
        r"Web server failed to start\. Port (?P<subject>\d+) was already in use",
        "another process in the pod already listens on port {subject}",
        "Give each container of the pod its own port (server.port / SERVER_PORT).",
        "Web server failed to start. Port 8080 was already in use.",
    ),
    _refusal(
        "spring.datasource-url",
        "java / spring boot",
        "missing-env",
        r"Failed to configure a DataSource: 'url' attribute is not specified",
        "Spring Boot has a JDBC driver but no spring.datasource.url: not set in the "
        "environment, or the profile that sets it is not active",
        "Set SPRING_DATASOURCE_URL (user and password from a Secret), or activate the profile "
        "that defines it (SPRING_PROFILES_ACTIVE).",
        "Failed to configure a DataSource: 'url' attribute is not specified and no embedded "
        "datasource could be configured.",
        "SPRING_DATASOURCE_URL",
    ),
    _refusal(
        "spring.bind-properties",
        "java / spring boot",
        "bad-config",
        r"Failed to bind properties under '(?P<subject>[^']+)'",
        "the value given for {subject} does not convert to the type Spring expects",
        "Fix the value of {subject} (its environment variable or property).",
        "Failed to bind properties under 'server.port' to java.lang.Integer:",
    ),
    _refusal(
        "spring.missing-bean",
        "java / spring boot",
        "bad-config",
        r"required a bean of type '(?P<subject>[^']+)' that could not be found",
        "a component needs a {subject} that the application context does not define, usually "
        "because the property or profile that creates it is missing",
        "Set the property or profile that enables {subject}, or define the bean.",
        "Parameter 0 of constructor in com.acme.orders.OrderService required a bean of type "
        "'org.springframework.kafka.core.KafkaTemplate' that could not be found.",
    ),
    _refusal(
        "node.missing-script",
        "node",
        "usage",
        r"(?i)npm (?:ERR!|error) missing script:? \"?(?P<subject>[\w:-]+)",
        "npm was asked to run the script {subject}, which the image's package.json does not define",
        "Run the entry file directly (command: [node, server.js]) or add the script to "
        "package.json and rebuild.",
        "npm ERR! missing script: start",
    ),
    _refusal(
        "django.secret-key",
        "python / django",
        "missing-env",
        r"The SECRET_KEY setting must not be empty",
        "Django's settings have no SECRET_KEY: the variable the settings module reads it from "
        "is not set",
        "Set the variable your settings read SECRET_KEY from (often DJANGO_SECRET_KEY) from a "
        "Secret.",
        "django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.",
        "SECRET_KEY",
    ),
    _refusal(
        "elasticsearch.data-permission",
        "elasticsearch / opensearch",
        "file-permission",
        r"AccessDeniedException: (?P<subject>/\S+)",
        "Elasticsearch (uid 1000) may not create {subject} in its data volume",
        "Give the data volume to uid 1000 (fsGroup: 1000 on block storage; see "
        "volume.permission-denied).",
        "Caused by: java.nio.file.AccessDeniedException: /usr/share/elasticsearch/data/nodes",
    ),
    _refusal(
        "node.cannot-find-module",
        "node",
        "missing-module",
        r"Cannot find module '(?P<subject>[^']+)'",
        "node cannot load {subject}: the file is not where the image's WORKDIR and COPY steps "
        "put it, or node_modules lacks the package",
        "Fix the path against the image's WORKDIR, or install the dependency in the image "
        "(npm ci) and rebuild.",
        "Error: Cannot find module '/app/server.js'",
    ),
    _refusal(
        "node.port-in-use",
        "node",
        "address-in-use",
        r"EADDRINUSE: address already in use (?P<subject>\S+)",
        "another process in the pod already listens on {subject}",
        "Give each container of the pod its own port (PORT), and start the server once.",
        "Error: listen EADDRINUSE: address already in use :::3000",
    ),
    _refusal(
        "python.module-not-found",
        "python",
        "missing-module",
        r"ModuleNotFoundError: No module named '?(?P<subject>[\w.]+)'?",
        "Python cannot import {subject}: the package is not installed in the image, or the "
        "source is outside PYTHONPATH/WORKDIR",
        "Add {subject} to the image's requirements and rebuild, or fix PYTHONPATH/WORKDIR.",
        "ModuleNotFoundError: No module named 'flask'",
    ),
    _refusal(
        "gunicorn.app-not-found",
        "python / gunicorn",
        "missing-module",
        r"Failed to find (?:attribute|application object) '(?P<subject>[^']+)' in '[^']+'",
        "gunicorn imported the module but it has no {subject}: the app:variable argument does "
        "not match the code",
        "Point gunicorn at module:variable that exists (e.g. main:app).",
        "Failed to find attribute 'app' in 'main'.",
    ),
    _refusal(
        "gunicorn.port-in-use",
        "python / gunicorn",
        "address-in-use",
        r"Connection in use: \('(?P<host>[^']*)', (?P<port>\d+)\)",
        "another process in the pod already listens on {subject}",
        "Give each container of the pod its own port (gunicorn --bind).",
        "[ERROR] Connection in use: ('0.0.0.0', 8000)",
    ),
)


def known_refusal(line: str) -> Refusal | None:
    """The well-known refusal a log line states, if any."""
    for refusal in REFUSALS:
        if refusal.pattern.search(line):
            return refusal
    return None
