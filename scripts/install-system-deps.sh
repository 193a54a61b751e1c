#!/usr/bin/env bash
# System libraries Qt needs (offscreen and on a real X display), fonts for rendering text, Python's venv module,
# the X tools the real-window test uses, and what the Kerberos extra builds against. Debian/Ubuntu; run as root (or with sudo). Safe to run again.
set -euo pipefail
# Offscreen rendering (and what every Qt platform plugin links).
offscreen=(libegl1 libgl1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0
           libdbus-1-3 fonts-dejavu-core)
# The xcb platform plugin (a real X display): the libraries PySide6's Qt/plugins/platforms/libqxcb.so and the
# libQt6XcbQpa.so.6 it loads link against (readelf -d ... NEEDED, mapped to packages with dpkg -S), beyond the
# ones above. Without libxcb-cursor0, libxcb-icccm4 and libxcb-keysyms1 `avma-console --demo` aborts with
# "no Qt platform plugin could be initialized".
xcb=(libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
     libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0
     libxcb-xkb1)
# Tests: a virtual X server for the real-window test (xvfb-run needs xauth), ImageMagick's `import` to
# screenshot it through X, poppler-utils to read the PDF reports.
testing=(xvfb xauth imagemagick poppler-utils)
# The kerberos extra (gssapi, krb5 from source: no wheels for every Python): MIT Kerberos headers, a compiler, and
# kinit/klist for tickets from the user's cache.
kerberos=(libkrb5-dev gcc krb5-user)
packages=(python3 python3-venv python3-pip "${offscreen[@]}" "${xcb[@]}" "${testing[@]}" "${kerberos[@]}")
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
