#!/bin/sh
# Makes a CARGO_HOME for builds with no network: crates-io is replaced by a
# directory source that holds the standard library's own dependencies (from
# the rust-src tree, for -Zbuild-std) and Debian's packaged crates under
# /usr/share/cargo/registry when there are any (librust-*-dev).
# usage: contrib/offline-cargo-home.sh DIR [RUST_SRC_LIBRARY]
set -eu
dir=${1:?usage: offline-cargo-home.sh DIR [RUST_SRC_LIBRARY]}
lib=${2:-/usr/lib/rustlib/src/rust/library}
if [ ! -d "$lib/vendor" ]; then
	echo "offline-cargo-home: $lib/vendor: no vendored crates there;" \
	    "install Debian's rust-web-src package" >&2
	exit 1
fi
mkdir -p "$dir/vendor"
# One directory source: a link per crate, the standard library's first.
for src in "$lib/vendor" /usr/share/cargo/registry; do
	[ -d "$src" ] || continue
	for crate in "$src"/*/; do
		name=$(basename "$crate")
		[ -e "$dir/vendor/$name" ] || ln -s "$crate" "$dir/vendor/$name"
	done
done
cat > "$dir/config.toml" <<CONF
# Written by sizemat's contrib/offline-cargo-home.sh.
[source.crates-io]
replace-with = "sizemat-offline"

[source.sizemat-offline]
directory = "$dir/vendor"

[net]
offline = true
CONF
echo "$dir"
