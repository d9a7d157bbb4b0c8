"""`ringdata sandbox build|pch|status`: build the code sandbox's Docker image and the host's precompiled
C++ header, and check they run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ringdata.core.console import make_console

app = typer.Typer(help="Build and check the code sandbox.", no_args_is_help=True, rich_markup_mode=None,
                  epilog="Examples:\n\n\b\nringdata sandbox build\nringdata sandbox status")

ImageOpt = Annotated[str, typer.Option("--image", help="Docker image tag of the sandbox.")]


@app.command("build", short_help="Build the sandbox image.",
             epilog="Examples:\n\n\b\nringdata sandbox build\nringdata sandbox build --languages python\n"
                    "ringdata sandbox build --force --image ringdata-sandbox-test")
def build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the image exists.")] = False,
    image: ImageOpt = "ringdata-sandbox",
    languages: Annotated[str, typer.Option("--languages", help="Comma-separated languages the image runs: python, cpp (g++), java (headless JDK). Python is always in it; fewer languages make a smaller image.")] = "python,cpp,java",
) -> None:
    """Build the sandbox image locally (debootstrap + docker import from the Debian mirror; 1-5 minutes
    for Python alone, a few more with g++ and the JDK; needs root)."""
    import time

    from sandboxes.image import build_image

    wanted = [lang.strip() for lang in languages.split(",") if lang.strip()]
    console, started = make_console(), time.perf_counter()
    if console.is_terminal:
        with console.status(f"building {image}") as status:
            built = build_image(image, force=force, languages=wanted, on_phase=lambda p: status.update(
                f"building {image}: {p} ({time.perf_counter() - started:.0f} s)"))
    else:  # a log: one line per phase, not one per package
        last = [""]

        def line(phase: str) -> None:
            head = phase.split(" (")[0]
            if head != last[0]:
                last[0] = head
                console.print(f"building {image}: {head} ({time.perf_counter() - started:.0f} s)", highlight=False)

        built = build_image(image, force=force, languages=wanted, on_phase=line)
    if built:
        console.print(f"[green]built[/] {image} in {time.perf_counter() - started:.0f} s")
    else:
        console.print(f"{image} already exists with {languages} (use --force to rebuild)")


@app.command("pch", short_help="Precompile the C++ standard headers and the Java compiler for the host.",
             epilog="Examples:\n\n\b\nringdata sandbox pch\nringdata sandbox pch --force")
def pch(force: Annotated[bool, typer.Option("--force", help="Rebuild even if the ones there are current.")] = False) -> None:
    """Precompile <bits/stdc++.h> for the host's g++ and build the resident Java compiler for the
    host's JDK and its contest class-data archive, all into /usr/local (needs root), for the local
    (bubblewrap) backend: C++ sources that include it first compile in a fifth of the CPU, a batch's
    Java sources share one warm javac, and a Java test maps the JDK classes it needs. The Docker
    image has its own (`ringdata sandbox build`). A missing JDK skips the last two."""
    from ringdata.core.errors import RingdataError
    from sandboxes.languages import JAVAC_SERVER_DIR, JVM_ARCHIVE, PCH_DIR
    from sandboxes.local import build_host_javac_server, build_host_jvm_archive, build_host_pch

    console = make_console()
    built = build_host_pch(force=force)
    console.print(f"[green]built[/] {PCH_DIR}" if built else f"{PCH_DIR} is current (use --force to rebuild)")
    try:
        built = build_host_javac_server(force=force)
    except RingdataError as exc:
        if "not installed" not in str(exc):
            raise
        console.print(f"{JAVAC_SERVER_DIR}: skipped ({exc})")
        return
    console.print(f"[green]built[/] {JAVAC_SERVER_DIR}" if built else f"{JAVAC_SERVER_DIR} is current (use --force to rebuild)")
    built = build_host_jvm_archive(force=force)
    console.print(f"[green]built[/] {JVM_ARCHIVE}" if built else f"{JVM_ARCHIVE} is current (use --force to rebuild)")


@app.command("status", short_help="Check the engine, image and backends.", epilog="Examples:\n\n\b\nringdata sandbox status\nringdata sandbox status --no-check")
def status(
    image: ImageOpt = "ringdata-sandbox",
    check: Annotated[bool, typer.Option("--check/--no-check", help="Also grade a tiny program in each backend.")] = True,
) -> None:
    """Say whether the Docker engine runs, the image exists and each backend grades a program."""
    from ringdata.core.errors import RingdataError
    from sandboxes.docker_backend import DockerConfig
    from sandboxes.health import ImageState, image_health, smoke_test
    from sandboxes.image import client
    from sandboxes.local import bwrap_problem

    table = Table("part", "state", title="ringdata sandbox")
    docker_ok = False
    try:
        c = client()
        table.add_row("Docker engine", f"[green]running[/] ({c.version().get('Version', '?')})")
        health = image_health(c, image)
        if health.state is ImageState.MISSING:
            table.add_row(f"image {image}", "[red]missing[/]: run `ringdata sandbox build`")
        elif health.state is ImageState.PRESENT:
            langs = ", ".join(sorted(health.languages))
            table.add_row(f"image {image}", f"[green]present[/] (recipe {health.recipe}; {langs})")
        else:
            table.add_row(f"image {image}", f"[yellow]stale[/] (recipe {health.recipe or '?'}, current "
                                            f"{health.current}): `ringdata sandbox build --force`")
        docker_ok = health.state is not ImageState.MISSING
    except RingdataError as exc:
        table.add_row("Docker engine", f"[red]not running[/]: {exc}")
    problem = bwrap_problem()
    table.add_row("local (bubblewrap)", f"[red]unavailable[/]: {problem}" if problem else "[green]available[/]")
    if check:
        for kind, ok in (("docker", docker_ok), ("local", problem is None)):
            if ok:
                table.add_row(f"{kind} smoke test", _smoke_cell(smoke_test(kind, DockerConfig(image=image, pool_size=1))))
    make_console().print(table)
    if not docker_ok:
        raise RingdataError("the Docker sandbox is not ready (see the table above)")


def _smoke_cell(result) -> str:
    """The state cell of a `sandboxes.health.SmokeResult`."""
    if result.error:
        return f"[red]failed[/]: {result.error}"
    if result.ok:
        return f"[green]ok[/]: {', '.join(result.languages)} ({result.seconds:.1f} s including start-up and compiling)"
    return f"[red]wrong results[/]: {result.detail}"
