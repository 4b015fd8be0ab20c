#!/bin/bash
# Whether a crate's release build is byte-identical from one clean build
# to the next: N clean builds alone, N under CPU load (four busy loops),
# and N started at the same moment as a second build of the same crate in
# another target dir (as sizematd --jobs 2 runs two variants). Prints each
# size with the first bytes of its SHA-256, then the distinct results per
# condition. docs/numbers.md says what it found.
#
#   bash bench/jitter.sh CRATE [N] [VAR=VALUE]...
#   bash bench/jitter.sh ~/src/hexyl 8 CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
#       CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
set -u
CRATE=$(cd "${1:?usage: bash bench/jitter.sh CRATE [N] [VAR=VALUE]...}" && pwd)
N=${2:-6}
shift $(($# >= 2 ? 2 : 1))
TMP=$(mktemp -d /tmp/sizemat-jitter.XXXXXX)
LOAD=
trap 'kill $LOAD 2>/dev/null; rm -rf "$TMP"' EXIT

# One clean build into target dir $1 with the variables after it; prints
# the binary's size and hash.
build() {
	local dir=$1 bin
	shift
	rm -rf "$dir"
	(cd "$CRATE" && env CARGO_TARGET_DIR="$dir" CARGO_INCREMENTAL=0 "$@" \
	    cargo build --release --offline -q 2>/dev/null) || return 1
	bin=$(find "$dir/release" -maxdepth 1 -type f -perm -u+x | head -1)
	echo "$(stat -c %s "$bin") $(sha256sum <"$bin" | cut -c1-16)"
}

for cond in alone loaded together; do
	for i in $(seq "$N"); do
		case $cond in
		loaded)
			for _ in 1 2 3 4; do (exec yes >/dev/null) & LOAD="$LOAD $!"; done
			r=$(build "$TMP/t" "$@")
			kill $LOAD; LOAD= ;;
		together)
			build "$TMP/other" "$@" >/dev/null &
			r=$(build "$TMP/t" "$@")
			wait ;;
		*)	r=$(build "$TMP/t" "$@") ;;
		esac
		echo "$cond $i: $r"
		echo "$cond $r" >>"$TMP/all"
	done
done
echo "distinct results (count, condition, bytes, sha256):"
sort "$TMP/all" | uniq -c
