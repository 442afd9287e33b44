"""A real, throwaway Virtuoso (Debian's ``virtuoso-opensource``) for the tests of the
remote backend and of ``push``: its own folder and ``virtuoso.ini``, two free ports on
127.0.0.1 (SQL and HTTP), small buffers, stopped at the end of the session.

``make test`` installs the package (target ``virtuoso``); when it is missing the tests
that need it fail with the reason, they are never skipped silently.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import requests

from oxigraph_server import free_port

#: The server binary of Debian's virtuoso-opensource-7-bin.
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
#: The administrator Virtuoso creates in a new database (the instance listens on
#: 127.0.0.1 only and is deleted at the end of the session).
DBA = ("dba", "dba")

INI = """\
; a throwaway Virtuoso for the tests: small buffers, 127.0.0.1 only
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 8
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = ., {dir}
ThreadsPerQuery      = 1
AsyncQueueMaxThreads = 2
; 8 KiB pages: 2000 = 16 MiB of buffers (the tests); bench sizes it to the data
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty}
MaxQueryMem          = 128M
VADInstallDir        = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 8
ServerThreads        = 8
MaxKeepAlives        = 8
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryExecutionTime      = 60
MaxQueryCostEstimationTime = 0
DefaultQuery               = ASK {{}}
"""


class VirtuosoServer:
    """One running instance: ``sparql`` (query endpoint), ``graph_store`` (the Graph
    Store endpoint that takes digest authentication) and ``auth`` (its user)."""

    def __init__(self, folder: Path, timeout_s: float = 90, buffers: int = 2000):
        if not Path(VIRTUOSO).exists():
            raise RuntimeError("Virtuoso is not installed (`virtuoso-t` not found): run `make virtuoso` "
                               "(Debian's virtuoso-opensource, as root or with passwordless sudo)")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        ini = self.folder / "virtuoso.ini"
        ini.write_text(INI.format(dir=self.folder, sql_port=self.sql_port, http_port=self.http_port,
                                  buffers=buffers, dirty=buffers * 3 // 4))
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.sparql = self.url + "/sparql"
        self.graph_store = self.url + "/sparql-graph-crud-auth"
        self.auth = DBA
        self.proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Virtuoso exited with {self.proc.returncode} at start: {self.log_tail()}")
            try:
                resp = requests.get(self.sparql, params={"query": "ASK {}"},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=2)
                if resp.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer on {self.sparql} within {timeout_s:g} s: {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        log = self.folder / "virtuoso.log"
        return " | ".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
