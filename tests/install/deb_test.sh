#!/usr/bin/env bash
# The .deb from this build (cpack -G DEB) holds the binary, the man page and the bash
# completion; its tcplan runs (--help) when unpacked, and it declares its library dependencies.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"
  exit 1
}
deb="$(ls "$work"/out/tcplan_*.deb)"
echo "built $(basename "$deb")"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/tcplan usr/share/man/man1/tcplan.1 usr/share/bash-completion/completions/tcplan; do
  [ -f "$work/root/$f" ] || { echo "missing $f in the package"; dpkg-deb -c "$deb"; exit 1; }
done
"$work/root/usr/bin/tcplan" --help | grep -q "Subcommands:" || { echo "tcplan --help failed"; exit 1; }
"$work/root/usr/bin/tcplan" --version
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
for lib in libsqlite3 libssl3 libcurl; do
  [[ $depends == *"$lib"* ]] || { echo "Depends lacks $lib"; exit 1; }
done
# The man page is valid roff (man's own checker, when installed).
if command -v groff >/dev/null 2>&1; then
  groff -man -Tutf8 -ww -z "$work/root/usr/share/man/man1/tcplan.1"
fi
echo "deb ok"
