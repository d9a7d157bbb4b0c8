"""Build the class-data (CDS) archive that Java tests start with (stdlib only: it runs in the image
being built, under its own python3, and on the host for bubblewrap).

    python3 jvm_archive.py JAVA PROGRAMS.json ARCHIVE -- JVM_FLAGS...

PROGRAMS.json is a list of {"source": Java source, "input": stdin}: the probes beside this script
(probes/*.java, each with its .in) and the accepted Java solutions the project bundles, gathered by
`ringdata sandbox build` / `sandbox pch`. Each is compiled and run once under JVM_FLAGS with
`-XX:DumpLoadedClassList`; the JDK classes they loaded (their own classes, and lambda proxies of
them, left out), together with the JDK's own class list (lib/classlist, what the JDK's default
archive holds), are dumped into a static archive by the same JVM with the same flags
(`-Xshare:dump`). Then a run under `-Xshare:on` must print what the run without the archive printed
for every program, or nothing is written.

Beside ARCHIVE goes ARCHIVE.jdk: the size and mtime of the JVM's library and the JDK's module image
at build time. A static archive the JVM cannot map (the JDK was upgraded since) leaves it with no
archive at all under -Xshare:auto, not the JDK's default one; the runner passes the archive only
while those files are unchanged (runner.py `jvm_archive`), so a stale or missing archive means the
JDK's default archive, as before this one existed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile


def jdk_files(java: str) -> list[str]:
    """The files whose change makes a static archive unusable: the JVM and the module image."""
    home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    return [os.path.join(home, "lib", "server", "libjvm.so"), os.path.join(home, "lib", "modules")]


def stamp(java: str) -> str:
    """One line per file of `jdk_files`: path, size, whole-second mtime (docker import keeps seconds)."""
    lines = []
    for path in jdk_files(java):
        st = os.stat(path)
        lines.append(f"{path} {st.st_size} {int(st.st_mtime)}\n")
    return "".join(lines)


def class_list(java: str, flags: list[str], programs: list[dict], tmp: str) -> tuple[list[str], list[bytes]]:
    """(the archive's class list, each program's stdout without the archive). A program that does
    not compile is skipped (a bundled wrong solution may not); one that fails at run time still
    counts: what it loaded on its way is what such programs load."""
    home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    with open(os.path.join(home, "lib", "classlist")) as f:
        lines = dict.fromkeys(line.rstrip("\n") for line in f if line.strip() and not line.startswith("#"))
    outputs = []
    for n, program in enumerate(programs):
        work = os.path.join(tmp, str(n))
        os.makedirs(os.path.join(work, "classes"))
        name = program.get("file", "Main.java")
        with open(os.path.join(work, name), "w") as f:
            f.write(program["source"])
        javac = os.path.join(os.path.dirname(os.path.realpath(java)), "javac")
        if subprocess.run([javac, "-d", "classes", name], cwd=work, capture_output=True).returncode:
            outputs.append(None)
            continue
        own = {os.path.relpath(os.path.join(d, c), os.path.join(work, "classes"))[: -len(".class")]
               for d, _, cs in os.walk(os.path.join(work, "classes")) for c in cs if c.endswith(".class")}  # fmt: skip
        done = subprocess.run([java, *flags, f"-XX:DumpLoadedClassList={work}/loaded", "-cp", "classes", program["main"]],
                              cwd=work, input=program["input"].encode(), capture_output=True, timeout=60)  # fmt: skip
        outputs.append(done.stdout)
        with open(os.path.join(work, "loaded")) as f:
            for line in f:
                words = line.split()
                if not words or line.startswith("#"):
                    continue
                owner = words[1] if words[0] == "@lambda-proxy" else words[0]
                if owner not in own:
                    lines.setdefault(line.rstrip("\n"))
    return list(lines), outputs


def main(argv: list[str]) -> int:
    java, programs_json, archive = argv[:3]
    flags = [f for f in argv[4:] if not f.startswith("-Xshare")]  # argv[3] is "--"
    with open(programs_json) as f:
        programs = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        lines, outputs = class_list(java, flags, programs, tmp)
        with open(os.path.join(tmp, "all.classlist"), "w") as f:
            f.write("\n".join(lines) + "\n")
        partial = f"{archive}.{os.getpid()}"
        done = subprocess.run([java, *flags, "-Xshare:dump", f"-XX:SharedClassListFile={tmp}/all.classlist",
                               f"-XX:SharedArchiveFile={partial}"], capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            print(f"dumping the class-data archive failed: {done.stdout[-400:]}{done.stderr[-400:]}", file=sys.stderr)
            return 1
        for n, (program, before) in enumerate(zip(programs, outputs)):
            if before is None:
                continue
            after = subprocess.run([java, *flags, "-Xshare:on", f"-XX:SharedArchiveFile={partial}", "-cp",
                                    f"{tmp}/{n}/classes", program["main"]], cwd=f"{tmp}/{n}",
                                   input=program["input"].encode(), capture_output=True, timeout=60)  # fmt: skip
            if after.stdout != before:
                os.unlink(partial)
                print(f"program {n} ({program['main']}) printed otherwise under the archive: "
                      f"{after.stderr.decode(errors='replace')[-400:]}", file=sys.stderr)  # fmt: skip
                return 1
        os.chmod(partial, 0o644)
        with open(f"{archive}.jdk", "w") as f:
            f.write(stamp(java))
        os.chmod(f"{archive}.jdk", 0o644)
        os.replace(partial, archive)
    compiled = sum(out is not None for out in outputs)
    print(f"{archive}: {len(lines)} classes and lambda forms, from {compiled} of {len(programs)} programs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
