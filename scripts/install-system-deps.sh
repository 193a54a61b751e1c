#!/usr/bin/env bash
# System libraries Qt needs even offscreen, fonts for rendering text, Python's venv module, and what the
# Kerberos extra builds against (MIT Kerberos headers, gcc) with kinit/klist.
# Debian/Ubuntu; run as root (or with sudo). Safe to run again.
set -euo pipefail
packages=(python3 python3-venv python3-pip libegl1 libgl1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
          libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core poppler-utils
          libkrb5-dev gcc krb5-user)  # Kerberos: headers and a compiler to build gssapi/krb5, kinit/klist
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
