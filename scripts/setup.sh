#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages (only when missing),
# npm dependencies (only when package-lock.json changed) and the web bundle (only when its sources changed).
# Called by `npm start` and `npm test`; safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"   # run | test

# espeak-ng + sox: the SIP gateway renders its IVR prompts (packages/sip-gateway) into var/prompts at set-up.
need_pkgs=(janus coturn espeak-ng sox)
need_cmds=(janus turnserver espeak-ng sox)
if [ "$mode" = "test" ]; then
  # nginx: the TLS reverse proxy of e2e/https-proxy.test.ts, which runs its own instance (not the package's service).
  # iptables: e2e/turn.test.ts drops UDP inside a network namespace of its own.
  # baresip-core (the baresip phone, without the GTK front end, with srtp.so) and sip-tester (sipp): the SIP gateway's tests;
  # openssl: its TLS tests make a self-signed certificate.
  need_pkgs+=(chromium firefox-esr poppler-utils nginx iptables baresip-core sip-tester openssl)
  need_cmds+=(chromium firefox-esr pdftoppm /usr/sbin/nginx /usr/sbin/iptables baresip sipp openssl)
  # ffmpeg: ffprobe and frame/tone checks of the recording tests.
  need_pkgs+=(ffmpeg)
  need_cmds+=(ffprobe)
fi
# The recorder's pipeline (recording feature): gst-launch-1.0 with the VP8/Opus depayloaders, compositor, x264, AAC
# and mp4mux of Debian's plugin sets (installed together, so the tools stand for all of them).
need_pkgs+=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)
need_cmds+=(gst-launch-1.0 gst-launch-1.0 gst-launch-1.0 gst-launch-1.0 gst-launch-1.0 gst-launch-1.0)

missing=()
for i in "${!need_cmds[@]}"; do
  command -v "${need_cmds[$i]}" >/dev/null 2>&1 || missing+=("${need_pkgs[$i]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Plenum needs these Debian packages, which are not installed: ${missing[*]}" >&2
    echo "Install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "[setup] installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Installing nginx starts and enables its default site on port 80 (under systemd); the tests do not use it.
  if [[ " ${missing[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

stamp_dir=node_modules/.plenum
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp_dir/lock" ] || [ "$(cat "$stamp_dir/lock")" != "$lock_hash" ]; then
  echo "[setup] installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  mkdir -p "$stamp_dir" && echo "$lock_hash" > "$stamp_dir/lock"
fi

# IVR prompts of the SIP gateway (German and English), rendered only when missing or when their texts changed.
node --import tsx packages/sip-gateway/src/render-prompts.ts

web_hash=$(find packages/web/src packages/web/index.html packages/web/vite.config.ts packages/web/precompress.ts packages/protocol/src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -f packages/web/dist/index.html ] || [ ! -f "$stamp_dir/web" ] || [ "$(cat "$stamp_dir/web")" != "$web_hash" ]; then
  echo "[setup] building the web app"
  npm run -s build --workspace @plenum/web
  echo "$web_hash" > "$stamp_dir/web"
fi
