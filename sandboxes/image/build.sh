#!/usr/bin/env bash
# Builds the `ringdata-sandbox` Docker image locally: no registry is needed (or reachable).
#
# A minimal Debian bookworm root (debootstrap --variant=minbase) with python3-minimal plus the rest
# of the standard library (libpython3.11-stdlib: json, ctypes, fractions, decimal, ... which both the
# runner and ordinary contest solutions import), from the Debian mirror apt is configured with,
# imported as one layer. Languages beyond Python come from the same mirror (apt-get in the root,
# no recommends): cpp = g++ (12, bookworm's), java = openjdk-17-jdk-headless (javac + a headless
# JVM; its jmods, only jlink reads them, are removed). With cpp, <bits/stdc++.h> is precompiled for
# the exact flags submissions compile with (CPP_FLAGS and PCH_DIR come from sandboxes/languages.py
# through `ringdata sandbox build`): g++ then reads the 100 MB .gch instead of parsing the whole
# library (~1.2 s CPU) for every source whose first line includes it. With java, the resident
# compiler (CompileServer.java beside this script, see sandboxes/languages.py) is built into
# JAVAC_SERVER_DIR with a class-data archive of what javac loads, and the JDK classes contest
# programs load are dumped into JVM_ARCHIVE (jvm_archive.py beside this script). It adds the unprivileged user `sandbox`
# (uid 10001, no other process on the host uses it) and nothing else: the runner is sent in with
# every `docker exec`, so the image never goes stale when sandboxes/runner.py changes. The
# interpreter is execute-only (see below).
#
# usage: build.sh [IMAGE_TAG] [LANGUAGES]     LANGUAGES: comma-separated, default python,cpp,java
#        (python is always included: the runner is Python)
#        env CPP_FLAGS, PCH_DIR (with cpp), JAVAC_SERVER_DIR, JAVAC_SERVER_FLAGS, JVM_ARCHIVE, JVM_FLAGS,
#        JVM_ARCHIVE_PROGRAMS (a JSON file of programs, with java):
#        set by `ringdata sandbox build` from sandboxes/languages.py
set -euo pipefail
tag=${1:-ringdata-sandbox}
languages=${2:-python,cpp,java}
suite=bookworm
recipe=7  # bump when this script changes what is in the image; `ringdata sandbox status` reads it

packages=()
wanted=python
for lang in ${languages//,/ }; do
  case $lang in
    python) ;;
    cpp) packages+=(g++); wanted+=,cpp
      : "${CPP_FLAGS:?set by ringdata sandbox build (sandboxes/languages.py)}" "${PCH_DIR:?set by ringdata sandbox build}" ;;
    java) packages+=(openjdk-17-jdk-headless); wanted+=,java
      : "${JAVAC_SERVER_DIR:?set by ringdata sandbox build}" "${JAVAC_SERVER_FLAGS:?set by ringdata sandbox build}"
      : "${JVM_ARCHIVE:?set by ringdata sandbox build}" "${JVM_FLAGS:?set by ringdata sandbox build}" "${JVM_ARCHIVE_PROGRAMS:?set by ringdata sandbox build}" ;;
    *) echo "unknown language '$lang' (python, cpp, java)" >&2; exit 2 ;;
  esac
done

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
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root" "$log"
}
trap cleanup EXIT
echo "[sandbox build] debootstrap $suite from $mirror"
# debootstrap's own "I: Retrieving/Unpacking/Configuring ..." lines go to stdout as progress
# (`ringdata sandbox build` condenses them into one line per phase); everything is in $log.
debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib \
  "$suite" "$root" "$mirror" 2>&1 | tee "$log" | grep --line-buffered '^I: ' \
  || { [ "${PIPESTATUS[0]}" = 0 ] || { tail -n 30 "$log" >&2; exit 1; }; }

if ((${#packages[@]})); then
  echo "[sandbox build] apt-get install ${packages[*]} (a few minutes)"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mount -t proc proc "$root/proc"  # the JDK's post-install scripts run java
  # Headless JDK packages create /usr/share/man/man1 links: dpkg needs the directory.
  mkdir -p "$root/usr/share/man/man1"
  # apt's "Get:N ...", dpkg's "Unpacking ..." and "Setting up ..." lines go to stdout as progress,
  # as debootstrap's do; everything is in $log.
  apt() {
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" 2>&1 | tee -a "$log" \
      | grep --line-buffered -E '^(Get:[0-9]|Unpacking |Setting up )' \
      || { [ "${PIPESTATUS[0]}" = 0 ] || { tail -n 30 "$log" >&2; exit 1; }; }
  }
  : >"$log"
  apt update
  apt install --no-install-recommends "${packages[@]}"
  if [[ ,$wanted, == *,cpp,* ]]; then
    echo "[sandbox build] precompiling <bits/stdc++.h> for g++ $CPP_FLAGS (about a minute)"
    mkdir -p "$root$PCH_DIR/bits"
    echo '#include <bits/stdc++.h>' >"$root/tmp/pch.h"
    # shellcheck disable=SC2086  # CPP_FLAGS is a list of flags
    chroot "$root" g++ $CPP_FLAGS -x c++-header /tmp/pch.h -o "$PCH_DIR/bits/stdc++.h.gch"
    rm -f "$root/tmp/pch.h"
  fi
  if [[ ,$wanted, == *,java,* ]]; then
    echo "[sandbox build] building the resident Java compiler and its class-data archive"
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    work=$(mktemp -d "$root/tmp/javac-server.XXXXXX")
    cp "$here/CompileServer.java" "$work/"
    w=${work#"$root"}
    mkdir -p "$root$JAVAC_SERVER_DIR"
    chroot "$root" javac -d "$w/classes" "$w/CompileServer.java"
    chroot "$root" jar --create --file "$JAVAC_SERVER_DIR/CompileServer.jar" -C "$w/classes" .
    # The archive holds the classes javac loads for a typical source, dumped by a JVM started with
    # the runner's flags (JAVAC_SERVER_FLAGS from languages.py): a JVM started otherwise ignores it.
    printf 'import java.util.*;\npublic class Main { public static void main(String[] a) { List<Integer> x = new ArrayList<>(); x.add(1); System.out.println(x.stream().mapToInt(i -> i).sum() + "" + new Scanner(System.in).nextLine()); } }\n' >"$work/Main.java"
    # shellcheck disable=SC2086  # JAVAC_SERVER_FLAGS is a list of flags
    printf -- '-encoding\tUTF-8\t-proc:none\t-d\t%s\t%s\n' "$w/out" "$w/Main.java" \
      | chroot "$root" java $JAVAC_SERVER_FLAGS "-XX:ArchiveClassesAtExit=$JAVAC_SERVER_DIR/CompileServer.jsa" \
        -cp "$JAVAC_SERVER_DIR/CompileServer.jar" CompileServer | grep -q '^0 ' \
      || { echo "the resident Java compiler did not compile its probe" >&2; exit 1; }
    chmod 0644 "$root$JAVAC_SERVER_DIR"/*
    rm -rf "$work"
    echo "[sandbox build] the contest class-data archive (a minute or two)"
    # JDK classes that the probes and bundled Java solutions load (JVM_ARCHIVE_PROGRAMS), dumped by
    # this image's JVM with the runner's JVM_FLAGS (sandboxes/languages.py JVM_ARCHIVE)
    work=$(mktemp -d "$root/tmp/jvm-archive.XXXXXX")
    cp "$here/jvm_archive.py" "$JVM_ARCHIVE_PROGRAMS" "$work/"
    w=${work#"$root"}
    mkdir -p "$root$(dirname "$JVM_ARCHIVE")"
    # shellcheck disable=SC2086  # JVM_FLAGS is a list of flags
    chroot "$root" python3 "$w/jvm_archive.py" /usr/bin/java "$w/$(basename "$JVM_ARCHIVE_PROGRAMS")" "$JVM_ARCHIVE" \
      -- -Xmx256m $JVM_FLAGS
    rm -rf "$work"
  fi
  umount "$root/proc"
  rm -f "$root/etc/resolv.conf"
  rm -rf "$root"/usr/lib/jvm/*/jmods
fi

# Slim: a sandbox needs no package caches, docs or locales to run programs.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
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
  -c "LABEL ringdata.sandbox.languages=$wanted" \
  -c 'CMD ["sleep", "infinity"]' \
  -m "ringdata sandbox recipe $recipe: debian $suite minbase + $wanted" \
  - "$tag" >/dev/null
echo "[sandbox build] done: $tag ($wanted), $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
