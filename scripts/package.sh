#!/usr/bin/env bash
# Packages the desktop app for installation with the Fyne CLI, from
# FyneApp.toml (name, app ID, version, icon, desktop entry, [Migrations])
# as a release build: -release, -tags migrated_fynedo.
#
#   scripts/package.sh linux     out/smetskit.tar.xz (binary, .desktop file,
#                                icon and a Makefile: `sudo make install`)
#   scripts/package.sh windows   out/smetskit.exe    (on a Windows host)
#   scripts/package.sh darwin    out/smetskit.app    (on a macOS host)
#
# The fyne CLI runs with `go run` at a pinned version, so nothing is
# installed and go.mod is untouched. Set FYNE to use another one (e.g. an
# installed `fyne`). Set PACKAGE_REF=HEAD (or a tag) to package a commit
# rather than the working tree. OUT changes the output folder.
#
# `fyne package` writes next to main.go while it works (a metadata init
# file, the binary) and then bumps Build in FyneApp.toml, so it runs in a
# private copy of the sources, never in the checkout itself.
set -euo pipefail

# fyne.io/tools v1.7.4 packages apps on Fyne >= 2.2 (smetskit is on 2.7.1;
# the metadata it injects includes the [Migrations] of Fyne >= 2.6).
FYNE_TOOLS_VERSION=v1.7.4

target=${1:-}
case "$target" in
linux | windows | darwin) ;;
*)
  echo "usage: $0 linux|windows|darwin" >&2
  exit 2
  ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/out}
host=$(go env GOOS)
if [ "$target" != "$host" ]; then
  # cgo (Fyne's OpenGL driver) needs the target's C toolchain and SDK.
  echo "packaging for $target needs a $target host (this is $host): run" >&2
  echo "  scripts/package.sh $target   there; fyne-cross (docker) cross-builds test packages:" >&2
  echo "  fyne-cross $target -tags migrated_fynedo" >&2
  exit 2
fi

if [ "$target" = linux ] && ! command -v xz >/dev/null 2>&1; then
  echo "the Linux package is a .tar.xz: install xz (Debian package xz-utils)" >&2
  exit 1
fi

# The copy lives at a fixed path (out/.package-src of this checkout) so
# that Go's build cache, which keys the module's own packages by their
# folder, is reused from one run to the next; a lock keeps two runs apart.
mkdir -p "$root/out" "$out"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/out/.package.lock"
  flock 9
fi
src=$root/out/.package-src
rm -rf "$src"
mkdir -p "$src"
trap 'rm -rf "$src"' EXIT
if [ -n "${PACKAGE_REF:-}" ]; then
  git -C "$root" archive "$PACKAGE_REF" | tar -x -C "$src"
elif git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # The working tree as `go build` sees it: tracked and new files, not
  # ignored ones (out/, built binaries) nor deleted ones.
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done |
    tar --null -T - -cf -) | tar -x -C "$src"
else
  tar -C "$root" --exclude=./out --exclude=./.git -cf - . | tar -x -C "$src"
fi

fyne=${FYNE:-go run fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION}
echo "packaging smetskit for $target with: $fyne"
# -release adds the release tag and strips the binary; FyneApp.toml's
# [Migrations] fyneDo = true adds -tags migrated_fynedo (TestPackageLinux
# checks both are in the packaged binary's build information).
(cd "$src" && $fyne package -os "$target" -release)

case "$target" in
linux)
  rm -f "$out/smetskit.tar.xz"
  mv "$src/smetskit.tar.xz" "$out/smetskit.tar.xz"
  echo "wrote $out/smetskit.tar.xz"
  ;;
windows)
  rm -f "$out/smetskit.exe"
  mv "$src/smetskit.exe" "$out/smetskit.exe"
  echo "wrote $out/smetskit.exe"
  ;;
darwin)
  rm -rf "$out/smetskit.app"
  mv "$src/smetskit.app" "$out/smetskit.app"
  echo "wrote $out/smetskit.app"
  ;;
esac
