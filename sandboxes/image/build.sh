#!/usr/bin/env bash
# Builds the `ringdata-sandbox` Docker image locally: no registry is needed (or reachable).
#
# A minimal Debian bookworm root (debootstrap --variant=minbase) with python3-minimal plus the rest
# of the standard library (libpython3.11-stdlib: json, ctypes, fractions, decimal, ... which both the
# runner and ordinary contest solutions import), from the Debian mirror apt is configured with,
# imported as one layer. It adds the unprivileged user `sandbox` (uid 10001, no other process on
# the host uses it) and nothing else: the runner is sent in with every `docker exec`, so the image
# never goes stale when sandboxes/runner.py changes. The interpreter is execute-only (see below).
#
# usage: build.sh [IMAGE_TAG]
set -euo pipefail
tag=${1:-ringdata-sandbox}
suite=bookworm
recipe=3  # bump when this script changes what is in the image; `ringdata sandbox status` reads it

# The mirror apt uses (deb822 sources first, then the one-line format); Debian's default otherwise.
mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/ringdata-sandbox-root.XXXXXX)
log=$(mktemp /tmp/ringdata-sandbox-debootstrap.XXXXXX)
trap 'rm -rf "$root" "$log"' EXIT
echo "[sandbox build] debootstrap $suite from $mirror"
# debootstrap's own "I: Retrieving/Unpacking/Configuring ..." lines go to stdout as progress
# (`ringdata sandbox build` condenses them into one line per phase); everything is in $log.
debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib \
  "$suite" "$root" "$mirror" 2>&1 | tee "$log" | grep --line-buffered '^I: ' \
  || { [ "${PIPESTATUS[0]}" = 0 ] || { tail -n 30 "$log" >&2; exit 1; }; }

# Slim: a sandbox needs no package caches, docs or locales to run python3.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*

echo 'sandbox:x:10001:10001:ringdata sandbox:/work:/usr/sbin/nologin' >>"$root/etc/passwd"
echo 'sandbox:x:10001:' >>"$root/etc/group"
mkdir -p "$root/work"
# Execute-only interpreter: the kernel makes every process started from a binary its user cannot
# read non-dumpable, so the runner's /proc files are closed to the programs it runs from the
# first instruction (sandboxes/runner.py), without paying for ctypes on every submission.
chmod 0711 "$root"/usr/bin/python3.11

echo "[sandbox build] docker import -> $tag"
tar -C "$root" -c . | docker import \
  -c 'WORKDIR /work' \
  -c 'ENV PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8 TMPDIR=/work' \
  -c "LABEL ringdata.sandbox.recipe=$recipe" \
  -c 'CMD ["sleep", "infinity"]' \
  -m "ringdata sandbox recipe $recipe: debian $suite minbase + python3" \
  - "$tag" >/dev/null
echo "[sandbox build] done: $tag, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
