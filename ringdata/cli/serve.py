"""`ringdata serve`: the sandbox and the graders as an HTTP service (SandboxFusion's /run_code,
ringdata's batched grading); rewards/serve.py is the service."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Annotated, Optional

import typer

from ringdata.cli.options import Sandbox, Workers
from sandboxes.choice import SandboxChoice

EXAMPLES = """Examples:

\b
ringdata serve --sandbox docker      # http://127.0.0.1:8080/run_code
ringdata serve --host 0.0.0.0 --port 8080 --token "$TOKEN" --workers 8
curl -s localhost:8080/run_code \\
    -d '{"code": "print(1+1)", "language": "python"}'
"""


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but 127.0.0.1/::1/localhost needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port (8080 is SandboxFusion's).")] = 8080,
    token: Annotated[Optional[str], typer.Option("--token", envvar="RINGDATA_SERVE_TOKEN", show_envvar=True, help="Token every request must carry (Authorization: Bearer TOKEN, or a /token/TOKEN path prefix).")] = None,
    sandbox: Sandbox = SandboxChoice(),
    image: Annotated[Optional[str], typer.Option("--image", help="Docker sandbox image (default ringdata-sandbox).")] = None,
    pool_size: Annotated[Optional[int], typer.Option("--pool-size", help="Warm sandbox containers (Docker) or workers (local).")] = None,
    workers: Workers = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one math/science verification may take.")] = 5.0,
    ray: Annotated[Optional[str], typer.Option("--ray", metavar="auto|ADDRESS", help="Grade /ringdata/grade requests on a Ray cluster (the [ray] extra).")] = None,
    slots: Annotated[int, typer.Option("--slots", help="Requests running at once.")] = 64,
    max_queue: Annotated[int, typer.Option("--max-queue", help="Requests waiting for a slot; beyond this 429 with Retry-After.")] = 256,
    max_body: Annotated[int, typer.Option("--max-body", help="Largest request body, bytes (413 beyond).")] = 4 << 20,
    request_timeout: Annotated[float, typer.Option("--request-timeout", help="Longest a request may take to arrive, wait and run, seconds (408 for a body still arriving, 504 beyond).")] = 300.0,
    drain: Annotated[float, typer.Option("--drain", help="Seconds SIGTERM waits for in-flight requests.")] = 60.0,
) -> None:
    """Serve the sandbox and the graders over HTTP until SIGTERM (which drains in-flight requests)."""
    from rewards.grade import GradeConfig
    from rewards.serve import ServeConfig
    from rewards.serve import serve as run

    if image or pool_size:
        docker = replace(sandbox.docker, **({"image": image} if image else {}), **({"pool_size": pool_size} if pool_size else {}))
        local = replace(sandbox.local, **({"workers": pool_size} if pool_size else {}))
        sandbox = replace(sandbox, docker=docker, local=local)
    grade = GradeConfig(timeout_s=timeout, workers=workers or os.cpu_count() or 1, sandbox=sandbox)
    run(ServeConfig(host=host, port=port, token=token or None, sandbox=sandbox, grade=grade, ray=ray, slots=slots,
                    max_queue=max_queue, max_body_bytes=max_body, request_timeout_s=request_timeout, drain_s=drain))
