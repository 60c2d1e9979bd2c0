"""A primary and a real streaming standby (``pg_basebackup -R``) made with the embedded
PostgreSQL's own binaries, on free ports of 127.0.0.1, with every statement logged so a test can
tell which server ran what. Run as root, the servers run as pgserver's own system user, exactly as
the embedded server does."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from pgserver._commands import POSTGRES_BIN_PATH
from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

SYSTEM_USER = "pgserver"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, folder: Path, name: str, user: str | None) -> None:
        self.data = folder / name
        self.log = folder / f"{name}.log"
        self.port = _free_port()
        self.user = user

    def run(self, binary: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - the embedded PostgreSQL's binaries
            [str(POSTGRES_BIN_PATH / binary), *args],
            check=True,
            capture_output=True,
            timeout=120,
            user=self.user,
        )

    def configure(self) -> None:
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.data}'\n"
                "log_statement = 'all'\n"
                "logging_collector = off\n"
                "fsync = off\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def statements(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Replicated:
    """``primary`` (database ``app``) and ``standby`` streaming from it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="publishing-replication-"))
        user = None
        if os.geteuid() == 0:  # PostgreSQL refuses root: the embedded server's user, as pgserver
            user = SYSTEM_USER
            ensure_user_exists(user)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
            ensure_prefix_permissions(self.folder)
            shutil.chown(self.folder, user=user)
        self.primary = Server(self.folder, "primary", user)
        self.standby = Server(self.folder, "standby", user)

    def start(self) -> Replicated:
        p = self.primary
        p.run("initdb", "-D", str(p.data), "-U", "postgres", "--auth=trust", "--encoding=utf8")
        p.configure()
        p.start()
        with psycopg.connect(p.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE app")
        return self

    def start_standby(self) -> None:
        """Base-backup the primary as it is now and start streaming from it."""
        s = self.standby
        s.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(s.data),
            "-R",  # standby.signal and primary_conninfo: a streaming replica
            "-X",
            "stream",
            "--checkpoint=fast",  # not a spread checkpoint: the backup starts at once
        )
        s.configure()
        s.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with psycopg.connect(self.primary.url("postgres"), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                ).fetchone()
            if row[0]:
                return
            time.sleep(0.2)
        raise RuntimeError("the standby did not start streaming")

    def caught_up(self) -> bool:
        """The standby has replayed everything the primary wrote so far."""
        with psycopg.connect(self.primary.url("postgres"), autocommit=True) as conn:
            lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        with psycopg.connect(self.standby.url("postgres"), autocommit=True) as conn:
            return conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [str(lsn)]
            ).fetchone()[0]

    def stop(self) -> None:
        for server in (self.standby, self.primary):
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
