#!/usr/bin/env bash
# Installs the system packages smetskit's build and tests need, with apt-get
# where it is available and we may use it; otherwise prints exactly what to
# install. Quick when everything is already there.
set -euo pipefail

# Debian package names, one per need.
packages=(
  gcc pkg-config            # cgo (Fyne, gousb)
  libusb-1.0-0-dev          # github.com/google/gousb
  xorg-dev libgl1-mesa-dev  # Fyne's GLFW/OpenGL driver
  libgl1-mesa-dri           # software OpenGL for headless windows
  xvfb x11-utils imagemagick xdotool # real-window tests: X server, window lookup, screenshots, keystrokes
  x11-apps                  # xwd: fast window dumps for the first-frame measurement
  xz-utils                  # the Linux package is a .tar.xz
  libxml2-utils             # xmllint validates generated DUIS against the XSD
  umockdev                  # emulated USB devices for the libusb integration tests
  poppler-utils             # pdftoppm checks that generated PDF reports render
  postgresql                # inventoryd's PostgreSQL back end is tested against a real server
)

if [ "$(uname -s)" != "Linux" ]; then
  cat <<MSG
smetskit needs a C compiler for cgo and, on $(uname -s):
  macOS:   xcode-select --install; brew install libusb pkg-config
  Windows: MSYS2 MinGW-w64 gcc and libusb (pacman -S mingw-w64-x86_64-gcc mingw-w64-x86_64-libusb)
The real-window tests need Xvfb and run on Linux only; they skip elsewhere.
MSG
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian-based system. Install the equivalents of: ${packages[*]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run a public IEC 62056-21 client (smartmeter-obis) against
# the simulated meter. They may come from outside Debian (with npm bundled),
# so look for the commands rather than the packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "Missing system packages: ${missing[*]}"
    echo "Install them with:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
