"""Start a real, throwaway PostgreSQL 15 + PostGIS 3 server for the test-suite.

Nothing here is mocked: ``start_postgis`` runs ``initdb`` on a fresh cluster
in a temporary directory, starts ``postgres`` on a free TCP port bound to
127.0.0.1 only, creates the ``geocheck`` role and database with the
``postgis`` extension, yields a :class:`PostgisServer`, and always stops the
server and deletes the cluster afterwards.

``initdb`` and ``postgres`` refuse to run as root.  When the tests run as root
(as CI does), the server binaries are run as the ``postgres`` system user
(created by the Debian ``postgresql-common`` package) through
``subprocess``'s ``user=``/``group=`` arguments, and the cluster directory is
chowned to that user.  The client side (``psql``, ``ogr2ogr``, libpq) keeps
running as the current user and connects over TCP with trust authentication.

Typical use in a test module::

    @pytest.fixture(scope="module")
    def pg(tmp_path_factory):
        reason = postgis_available()
        if reason:
            pytest.fail(reason)
        with start_postgis(tmp_path_factory.mktemp("pg")) as server:
            yield server
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

__all__ = [
    "PG_BIN_DIR",
    "POSTGIS_CONTROL",
    "PostgisServer",
    "PsqlError",
    "postgis_available",
    "start_postgis",
]

PG_BIN_DIR = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
SERVER_OS_USER = "postgres"  # used only when running as root

HOST = "127.0.0.1"
ROLE = "geocheck"
DBNAME = "geocheck"

_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres", "pg_isready", "psql")
# The socket path "<dir>/.s.PGSQL.<port>" must fit in sockaddr_un.sun_path
# (108 bytes including the NUL); keep some margin.
_MAX_SOCKET_DIR_LEN = 80
_LOG_TAIL_LINES = 40


class PsqlError(RuntimeError):
    """``psql`` exited non-zero; the message holds its stderr."""


@dataclasses.dataclass(frozen=True)
class PostgisServer:
    """A running throwaway PostGIS server (valid inside ``start_postgis``)."""

    host: str
    port: int
    user: str
    dbname: str
    data_dir: Path
    log_file: Path

    @property
    def dsn(self) -> str:
        """libpq URI, e.g. ``postgresql://geocheck@127.0.0.1:54321/geocheck``."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def ogr_dsn(self) -> str:
        """GDAL/OGR connection string, e.g. ``PG:host=127.0.0.1 port=... ...``."""
        return (
            f"PG:host={self.host} port={self.port} "
            f"dbname={self.dbname} user={self.user}"
        )

    def client_env(self) -> dict[str, str]:
        """Environment for client tools (``ogr2ogr``, ``psql``, libpq users).

        Inherited ``PG*`` variables are dropped so that a developer's own
        settings (PGPASSWORD, PGSERVICE, PGOPTIONS, ...) cannot redirect or
        alter the connection; the server's coordinates are set instead.
        """
        env = _clean_env()
        env.update(
            PGHOST=self.host,
            PGPORT=str(self.port),
            PGUSER=self.user,
            PGDATABASE=self.dbname,
            PGCLIENTENCODING="UTF8",
            PGCONNECT_TIMEOUT="10",
        )
        return env

    def psql(self, sql: str, *, dbname: str | None = None, timeout: float = 120) -> str:
        """Run ``sql`` through ``psql -At`` and return its stdout.

        The SQL is fed on stdin, so several ``;``-separated statements are
        fine; ``ON_ERROR_STOP`` is on and any error raises :class:`PsqlError`.
        Trailing newlines are stripped from the result, so
        ``server.psql("SELECT 1") == "1"``; multiple rows are separated by
        ``"\\n"`` and columns by ``"|"``.
        """
        argv = [
            str(PG_BIN_DIR / "psql"),
            "-X",  # ignore ~/.psqlrc
            "-At",
            "-q",
            "-v", "ON_ERROR_STOP=1",
            "-h", self.host,
            "-p", str(self.port),
            "-U", self.user,
            "-d", dbname or self.dbname,
            "-f", "-",
        ]
        proc = subprocess.run(
            argv,
            input=sql,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.client_env(),
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise PsqlError(
                f"psql exited with {proc.returncode}:\n{proc.stderr.strip()}\n"
                f"--- SQL ---\n{sql}"
            )
        return proc.stdout.rstrip("\n")


def postgis_available() -> str | None:
    """Return ``None`` if a PostGIS server can be started here, else why not."""
    missing = [b for b in _REQUIRED_BINARIES if not (PG_BIN_DIR / b).is_file()]
    if missing:
        return (
            f"PostgreSQL 15 binaries missing from {PG_BIN_DIR}: {', '.join(missing)} "
            "(apt-get install postgresql-15)"
        )
    if not POSTGIS_CONTROL.exists():  # follows the Debian alternatives symlink
        return (
            f"PostGIS extension not installed ({POSTGIS_CONTROL} missing; "
            "apt-get install postgresql-15-postgis-3)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_OS_USER)
        except KeyError:
            return (
                f"running as root but there is no {SERVER_OS_USER!r} system user "
                "to run the PostgreSQL server as"
            )
    return None


@contextlib.contextmanager
def start_postgis(base_dir: Path, *, timeout: float = 30.0) -> Iterator[PostgisServer]:
    """Start a fresh PostgreSQL + PostGIS server; stop and delete it on exit.

    The cluster lives in a new temporary directory under ``base_dir``.  When
    running as root and the ``postgres`` user cannot reach ``base_dir`` (e.g.
    pytest's 0700 ``/tmp/pytest-of-root``), or when ``base_dir`` is too long
    for a unix-socket path, the cluster goes into the system temp dir
    instead.  ``timeout`` bounds each of server start-up and shutdown.
    Raises ``RuntimeError`` (with the server log tail) if start-up fails.
    """
    reason = postgis_available()
    if reason:
        raise RuntimeError(f"cannot start PostGIS: {reason}")

    runner = _Runner()
    root = _make_cluster_root(Path(base_dir), runner)
    data_dir = root / "data"
    sock_dir = root / "sock"
    log_file = root / "server.log"
    server: PostgisServer | None = None
    try:
        sock_dir.mkdir()
        runner.chown(sock_dir)
        runner.run(
            [
                str(PG_BIN_DIR / "initdb"),
                "-D", str(data_dir),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=root,
            what="initdb",
            log_file=None,
            timeout=120,
        )

        last_error: RuntimeError | None = None
        for _attempt in range(3):  # retry if someone grabs our free port first
            port = _free_port()
            _write_conf(data_dir, port, sock_dir, runner)
            log_file.unlink(missing_ok=True)  # judge each attempt by its own log
            try:
                _start(runner, root, data_dir, log_file, port, timeout)
            except _PortInUse as exc:
                last_error = exc
                continue
            break
        else:
            assert last_error is not None
            raise last_error

        server = PostgisServer(
            host=HOST,
            port=port,
            user=ROLE,
            dbname=DBNAME,
            data_dir=data_dir,
            log_file=log_file,
        )
        _bootstrap(server)
        yield server
    finally:
        try:
            _stop(runner, root, data_dir, timeout)
        finally:
            shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------
# internals


class _PortInUse(RuntimeError):
    pass


class _Runner:
    """Run server binaries directly, or as the ``postgres`` user when root."""

    def __init__(self) -> None:
        self.as_root = os.geteuid() == 0
        self.env = _clean_env()
        self.env["LC_ALL"] = "C"
        if self.as_root:
            pw = pwd.getpwnam(SERVER_OS_USER)
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            self.env.update(HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name)

    def chown(self, path: Path) -> None:
        if self.as_root:
            os.chown(path, self.uid, self.gid)

    def can_use(self, path: Path) -> bool:
        """Can the server user create files in ``path``?"""
        if not self.as_root:
            return os.access(path, os.W_OK | os.X_OK)
        proc = subprocess.run(
            ["test", "-w", str(path), "-a", "-x", str(path)],
            **self._user_kwargs(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def _user_kwargs(self) -> dict:
        if not self.as_root:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        what: str,
        log_file: Path | None,
        timeout: float,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        try:
            proc = subprocess.run(
                argv,
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
                **self._user_kwargs(),
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"{what} timed out after {timeout:.0f} s"
                + _log_tail_text(log_file)
            ) from exc
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
                f"{(proc.stdout + proc.stderr).strip()}"
                + _log_tail_text(log_file)
            )
        return proc


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _make_cluster_root(base_dir: Path, runner: _Runner) -> Path:
    candidates = []
    if base_dir.is_dir() and len(str(base_dir)) <= _MAX_SOCKET_DIR_LEN - 30:
        candidates.append(base_dir)
    candidates.append(Path(tempfile.gettempdir()))
    for parent in candidates:
        root = Path(tempfile.mkdtemp(prefix="geocheck-pg-", dir=parent))
        runner.chown(root)
        if len(str(root / "sock")) <= _MAX_SOCKET_DIR_LEN and runner.can_use(root):
            return root
        shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(
        f"no directory usable by the PostgreSQL server user under {base_dir} "
        f"or {tempfile.gettempdir()}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _write_conf(data_dir: Path, port: int, sock_dir: Path, runner: _Runner) -> None:
    # postgresql.auto.conf is read after postgresql.conf, so these win.
    settings = {
        "port": str(port),
        "listen_addresses": f"'{HOST}'",
        "unix_socket_directories": f"'{sock_dir}'",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "'16MB'",
        "max_connections": "30",
        "max_wal_size": "'256MB'",
        "logging_collector": "off",
        "log_min_messages": "warning",
        "timezone": "'UTC'",
    }
    conf = data_dir / "postgresql.auto.conf"
    conf.write_text(
        "# written by tests/postgis_server.py\n"
        + "".join(f"{k} = {v}\n" for k, v in settings.items())
    )
    runner.chown(conf)
    os.chmod(conf, 0o600)


def _start(
    runner: _Runner,
    root: Path,
    data_dir: Path,
    log_file: Path,
    port: int,
    timeout: float,
) -> None:
    pg_ctl = str(PG_BIN_DIR / "pg_ctl")
    proc = runner.run(
        [pg_ctl, "-D", str(data_dir), "-l", str(log_file), "-w", "-t",
         str(int(timeout)), "start"],
        cwd=root,
        what="pg_ctl start",
        log_file=log_file,
        timeout=timeout + 10,
        check=False,
    )
    if proc.returncode != 0:
        tail = _log_tail(log_file)
        message = (
            f"PostgreSQL failed to start (pg_ctl exit {proc.returncode}):\n"
            f"{(proc.stdout + proc.stderr).strip()}" + _log_tail_text(log_file)
        )
        # pg_ctl may give up while a postmaster is still starting: clean it up.
        _stop(runner, root, data_dir, timeout)
        if "could not bind" in tail or "Address already in use" in tail:
            raise _PortInUse(message)
        raise RuntimeError(message)

    # pg_ctl -w already waited; confirm over TCP, which is what clients use.
    deadline = time.monotonic() + timeout
    isready = [str(PG_BIN_DIR / "pg_isready"), "-q", "-h", HOST, "-p", str(port),
               "-U", "postgres", "-d", "postgres", "-t", "2"]
    while True:
        if subprocess.run(isready, env=_clean_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, check=False).returncode == 0:
            return
        if time.monotonic() > deadline:
            _stop(runner, root, data_dir, timeout)
            raise RuntimeError(
                f"PostgreSQL not ready on {HOST}:{port} after {timeout:.0f} s"
                + _log_tail_text(log_file)
            )
        time.sleep(0.1)


def _bootstrap(server: PostgisServer) -> None:
    admin = dataclasses.replace(server, user="postgres", dbname="postgres")
    try:
        # Superuser: PostGIS and its sibling extensions are not "trusted", and
        # tests may need to create them. This server is throwaway anyway.
        admin.psql(f"CREATE ROLE {ROLE} LOGIN SUPERUSER;")
        admin.psql(f"CREATE DATABASE {DBNAME} OWNER {ROLE};")
        server.psql("CREATE EXTENSION postgis;")
    except PsqlError as exc:
        raise RuntimeError(
            f"PostGIS bootstrap failed: {exc}" + _log_tail_text(server.log_file)
        ) from exc


def _stop(runner: _Runner, root: Path, data_dir: Path, timeout: float) -> None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return
    pg_ctl = str(PG_BIN_DIR / "pg_ctl")
    for mode in ("fast", "immediate"):
        try:
            proc = runner.run(
                [pg_ctl, "-D", str(data_dir), "-m", mode, "-w", "-t",
                 str(int(timeout)), "stop"],
                cwd=root,
                what=f"pg_ctl stop -m {mode}",
                log_file=None,
                timeout=timeout + 10,
                check=False,
            )
        except RuntimeError:
            continue
        if proc.returncode == 0 or not pid_file.exists():
            return
    # Last resort: kill the postmaster we started (pid from its own pid file).
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)


def _log_tail(log_file: Path | None) -> str:
    if log_file is None:
        return ""
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def _log_tail_text(log_file: Path | None) -> str:
    tail = _log_tail(log_file)
    if not tail:
        return ""
    return f"\n--- last lines of {log_file} ---\n{tail}"
