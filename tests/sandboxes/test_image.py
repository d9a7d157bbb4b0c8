"""`ringdata sandbox build`'s progress (sandboxes/image.py `BuildPhases`): debootstrap's
hundreds of per-package lines become a few phases with a running count, the build script's own
steps pass through, and everything else (a tar warning, a blank line) says nothing."""

from __future__ import annotations

from sandboxes.image import BuildPhases

# what build.sh prints, as debootstrap writes it (abridged)
LOG = """[sandbox build] debootstrap bookworm from http://deb.debian.org/debian
I: Retrieving InRelease
I: Checking Release signature
I: Retrieving libacl1 2.3.1-3
I: Validating libacl1 2.3.1-3
I: Retrieving libc6 2.36-9
I: Extracting libacl1...
I: Installing core packages...
I: Unpacking libacl1:amd64...
I: Configuring libc6:amd64...

tar: Removing leading `/' from member names
[sandbox build] docker import -> ringdata-sandbox-test
[sandbox build] done: ringdata-sandbox-test, 110 MB
"""


def test_debootstrap_lines_become_phases_with_counts():
    phases = BuildPhases()
    seen = [p for p in map(phases.see, LOG.splitlines()) if p is not None]
    assert seen == [
        "debootstrap bookworm from http://deb.debian.org/debian",
        "debootstrap: downloading (1)",
        "debootstrap: preparing (1)",
        "debootstrap: downloading (1)", "debootstrap: downloading (2)", "debootstrap: downloading (3)",
        "debootstrap: extracting (1)",
        "debootstrap: installing (1)", "debootstrap: installing (2)", "debootstrap: installing (3)",
        "docker import -> ringdata-sandbox-test",
        "done: ringdata-sandbox-test, 110 MB",
    ]


# what build.sh prints for the languages beyond Python: apt-get in the new root (abridged)
APT_LOG = """[sandbox build] apt-get install g++ openjdk-17-jdk-headless (a few minutes)
Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
Get:2 http://deb.debian.org/debian bookworm/main amd64 g++-12 amd64 12.2.0-14 [10.7 MB]
Fetched 151 MB in 9s (16.8 MB/s)
Selecting previously unselected package cpp.
Unpacking cpp (4:12.2.0-3) ...
Setting up cpp (4:12.2.0-3) ...
Setting up g++-12 (12.2.0-14) ...
Processing triggers for libc-bin (2.36-9+deb12u10) ...
"""


def test_apt_lines_of_the_languages_become_phases_too():
    phases = BuildPhases()
    seen = [p for p in map(phases.see, APT_LOG.splitlines()) if p is not None]
    assert seen == [
        "apt-get install g++ openjdk-17-jdk-headless (a few minutes)",
        "apt: downloading (1)", "apt: downloading (2)",
        "apt: installing (1)",
        "apt: configuring (1)", "apt: configuring (2)",
    ]
