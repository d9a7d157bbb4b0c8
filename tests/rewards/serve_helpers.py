"""A real `ringdata serve` process for the tests: started on a free port, waited for, stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, SANDBOX_IMAGE, free_port, sandbox_build_args


class Server:
    def __init__(self, *args: str, sandbox: str = "docker", token: str | None = None) -> None:
        if sandbox == "docker":
            sandbox_build_args()  # skips (or fails under CI) without a current image
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        env = {k: v for k, v in os.environ.items() if k not in ("RINGDATA_DEBUG", "RINGDATA_SERVE_TOKEN")}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        if token:
            env["RINGDATA_SERVE_TOKEN"] = token
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ringdata-serve-{self.port}.log"
        cmd = [sys.executable, "-m", "ringdata", "serve", "--port", str(self.port), "--sandbox", sandbox,
               "--workers", "1", *(["--image", SANDBOX_IMAGE] if sandbox == "docker" else []), *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"), env=env)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ringdata serve exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if self.get("/v1/ping")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"ringdata serve did not answer in 180 s: {self.log.read_text()[-2000:]}")

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, headers=self.headers())
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, body: bytes | str, timeout: float = 120, headers: dict | None = None) -> tuple[int, str, dict]:
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url + path, data, {"Content-Type": "application/json", **self.headers(),
                                                                 **(headers or {})}, method="POST")  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, r.read().decode(), {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()}

    @property
    def owner(self) -> str | None:
        found = re.search(r"ringdata\.sandbox=(\S+)\)", self.log.read_text())
        return found.group(1) if found else None

    def metric(self, name: str) -> float:
        text = self.get("/metrics")[1]
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))

    def drained(self) -> bool:
        return "drained and stopped" in self.log.read_text()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait: uvicorn re-raises the signal after draining, so -15 is a clean stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
