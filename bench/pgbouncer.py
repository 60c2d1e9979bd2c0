"""Debian's PgBouncer in transaction pooling mode in front of a PostgreSQL server, on 127.0.0.1,
for the soak (``bench/soak.py --pgbouncer``) and the end-to-end test that runs through it.

Transaction pooling hands each transaction any server connection, so the app runs with
``DATABASE_TRANSACTION_POOLING=1`` (no server-side cursors, no ``options`` startup parameter);
the statement timeout the app would send at connect is PgBouncer's ``connect_query`` instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
from urllib.parse import quote

from bench.sidecar import Sidecar


def _unprivileged_account(server_host: str) -> str:
    """The owner of the server's socket directory (the embedded server runs as its own user, and
    only it may open that socket), else postgres or nobody."""
    if server_host.startswith("/"):
        owner = pwd.getpwuid(os.stat(server_host).st_uid).pw_name
        if owner != "root":
            return owner
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no unprivileged account to run pgbouncer as")


def available() -> str | None:
    """The pgbouncer binary, or None (Debian puts it in /usr/sbin)."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")


class PgBouncer(Sidecar):
    """``with PgBouncer(host, port, user) as bouncer: bouncer.url(dbname)``."""

    name = "pgbouncer"

    def __init__(
        self, host: str, port: int | str, user: str, *, statement_timeout_ms: int = 30000
    ) -> None:
        self.server_host = host or "127.0.0.1"
        self.server_port = int(port or 5432)
        self.user = user or "postgres"
        self.statement_timeout_ms = statement_timeout_ms
        super().__init__()

    def url(self, database: str) -> str:
        return f"postgres://{quote(self.user, safe='')}@127.0.0.1:{self.port}/{quote(database)}"

    def start(self) -> PgBouncer:
        binary = available()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (Debian package pgbouncer)")
        (self.folder / "userlist.txt").write_text(f'"{self.user}" ""\n')
        connect_query = f"SET statement_timeout = {self.statement_timeout_ms}"
        (self.folder / "pgbouncer.ini").write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={self.server_host} port={self.server_port} "
                    f"connect_query='{connect_query}'",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self.folder / 'userlist.txt'}",
                    "pool_mode = transaction",
                    "max_client_conn = 500",
                    "default_pool_size = 20",
                    "server_reset_query =",
                    f"logfile = {self.folder / 'pgbouncer.log'}",
                    f"pidfile = {self.folder / 'pgbouncer.pid'}",
                    "",
                ]
            )
        )
        command = [binary, str(self.folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: run it as an ordinary user
            account = _unprivileged_account(self.server_host)
            for path in (self.folder, *self.folder.iterdir()):
                shutil.chown(path, user=account)
            command = [shutil.which("runuser") or "/sbin/runuser", "-u", account, "--", *command]
        return self._launch(command)


def app_env(bouncer: PgBouncer, database: str) -> dict[str, str]:
    """What a web process needs to reach ``database`` through ``bouncer``."""
    return {"DATABASE_URL": bouncer.url(database), "DATABASE_TRANSACTION_POOLING": "1"}
