#!/usr/bin/env bash
# Installs what synthkit needs beyond a Rust toolchain (1.95+): the Vulkan loader and, for
# machines without a GPU, Mesa's lavapipe so that the wgpu backend also runs on the CPU (used by
# the wgpu smoke tests). On a GPU workstation the vendor's Vulkan driver is used instead.
# With SYNTHKIT_SETUP_BROWSER=1 (CI sets it) also Debian's chromium, with which the bench test
# renders and screenshots the HTML report headless.
set -euo pipefail

if ! command -v cargo >/dev/null; then
    echo "setup: cargo not found; install Rust 1.95 or newer (https://rustup.rs)" >&2
    exit 1
fi

pkgs=(libvulkan1 mesa-vulkan-drivers)
[ "${SYNTHKIT_SETUP_BROWSER:-0}" = 1 ] && pkgs+=(chromium)
need=()
for pkg in "${pkgs[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
        echo "setup: installed ${need[*]}"
    else
        echo "setup: warning: ${need[*]} missing; the CPU backend works without the Vulkan packages, wgpu needs a Vulkan driver" >&2
    fi
fi
echo "setup: ok"
