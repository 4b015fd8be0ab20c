#!/bin/sh
# Installs what sizemat needs to build and test on Debian 12, when run as
# root; otherwise prints the exact line to run. The default cargo and rustc
# come from the machine (rustup); Debian's rustc-web, cargo-web and
# rust-web-src add /usr/bin/cargo and /usr/bin/rustc with the standard
# library's source (the `system` toolchain, for -Zbuild-std), and lld-19
# links WebAssembly. wrk, valgrind, clang with libFuzzer and iproute2 serve
# the load, memcheck, fuzzing and second-host tests; scdoc writes the
# manual pages. libpq-dev is the PostgreSQL driver's library; the
# postgresql server package serves only the tests, which start private
# servers of their own: its system cluster is neither created nor started.
set -u
pkgs="build-essential pkg-config libuv1-dev libsqlite3-dev libcjson-dev
libcurl4-openssl-dev libssl-dev check node-llhttp libelf-dev binutils curl
python3 git zlib1g-dev liblzma-dev libzstd-dev libiberty-dev xz-utils zstd gzip
rustc-web cargo-web rust-web-src lld-19 chromium wrk valgrind clang
libclang-rt-14-dev iproute2 scdoc libpq-dev postgresql"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		case " $missing " in
		*" postgresql "*)
			mkdir -p /etc/postgresql-common/createcluster.d
			echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/sizemat.conf
			;;
		esac
		apt-get update -qq >/dev/null &&
		    apt-get install -y -qq $missing >/dev/null || {
			echo "deps: apt-get install$missing failed" >&2
			exit 1
		}
	else
		echo "deps: missing packages; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
fi
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1
then
	echo "deps: cargo and rustc are not on PATH; install Rust with rustup" \
	    "(https://rustup.rs) and try again" >&2
	exit 1
fi
exit 0
