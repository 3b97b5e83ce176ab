#!/usr/bin/env bash
# Installs what synthkit needs beyond a Rust toolchain (1.95+): the Vulkan loader and, for
# machines without a GPU, Mesa's lavapipe so that the wgpu backend also runs on the CPU (used by
# the wgpu smoke tests). On a GPU workstation the vendor's Vulkan driver is used instead.
set -euo pipefail

if ! command -v cargo >/dev/null; then
    echo "setup: cargo not found; install Rust 1.95 or newer (https://rustup.rs)" >&2
    exit 1
fi

need=()
for pkg in libvulkan1 mesa-vulkan-drivers; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
        echo "setup: installed ${need[*]}"
    else
        echo "setup: warning: ${need[*]} missing; the CPU backend works without them, wgpu needs a Vulkan driver" >&2
    fi
fi
echo "setup: ok"
