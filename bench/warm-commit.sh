#!/bin/bash
# A tracked project's next commit, built in its warm target dir (sizemat
# keeps one per project and variant, with its worktree inside) against the
# same commit built from a fresh target dir, side by side in one run; prints
# both wall times and the ratio fresh / warm. The crate depends on crates of
# the standard library's vendor tree (Debian's rust-web-src), built offline.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
TMP=$(mktemp -d /tmp/sizemat-bench.XXXXXX)
trap 'kill -9 ${PID:-0} 2>/dev/null && wait ${PID:-0} 2>/dev/null; rm -rf "$TMP"' EXIT
S=$BIN/sizemat

sh "$TOP/contrib/offline-cargo-home.sh" "$TMP/cargo-home" >/dev/null
export CARGO_HOME=$TMP/cargo-home
mkdir -p "$TMP/repo/src"
cd "$TMP/repo"
cat >Cargo.toml <<'TOML'
[package]
name = "warm"
version = "0.1.0"
edition = "2021"

[dependencies]
memchr = "2"
miniz_oxide = { version = "0.8", features = ["with-alloc"] }
gimli = { version = "0.32", default-features = false, features = ["read-core"] }
object = { version = "0.37", default-features = false, features = ["read_core", "elf", "std"] }
hashbrown = { version = "0.16", default-features = false, features = ["default-hasher"] }
TOML
cat >src/main.rs <<'RS'
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[0]).unwrap_or_default();
    let elf = object::read::elf::ElfFile64::<object::Endianness>::parse(&*data);
    let mut m: hashbrown::HashMap<u8, usize> = hashbrown::HashMap::default();
    for b in data.iter().take(4096) {
        *m.entry(*b).or_default() += 1;
    }
    let z = miniz_oxide::deflate::compress_to_vec(&data[..data.len().min(65536)], 6);
    println!("{} {} {} {:?} {}", elf.is_ok(), m.len(), z.len(),
        memchr::memchr(0x7f, &data), gimli::DW_TAG_compile_unit);
}
RS
cargo generate-lockfile --offline -q
git init -q -b main .
git add -A
git -c user.name=bench -c user.email=bench@sizemat.invalid commit -qm "c1"
sed -i 's/println!("{} /println!("warm {} /' src/main.rs
git -c user.name=bench -c user.email=bench@sizemat.invalid commit -qam "c2"
C1=$(git rev-parse HEAD~1)
C2=$(git rev-parse HEAD)
cat >"$TMP/matrix.json" <<'JSON'
{"name": "bench-lto", "shape": "axes",
 "axes": {"opt-level": ["s"], "lto": ["off", "fat"]}}
JSON

"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" 2>"$TMP/log" &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/log" && break; sleep 0.1; done
export SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")

"$S" project add warm "$TMP/repo" --matrix "$TMP/matrix.json" >/dev/null 2>&1
"$S" project add fresh "$TMP/repo" --matrix "$TMP/matrix.json" >/dev/null 2>&1
"$S" run warm --rev "$C1" --wait -q >/dev/null
"$S" run warm --rev "$C2" --wait -q --json >"$TMP/warm.json"
"$S" run fresh --rev "$C2" --wait -q --json >"$TMP/fresh.json"

python3 - "$TMP/fresh.json" "$TMP/warm.json" <<'PY'
import json, sys
fresh = {b["variant_key"]: b["wall_ms"] for b in json.load(open(sys.argv[1]))["builds"]}
warm = {b["variant_key"]: b["wall_ms"] for b in json.load(open(sys.argv[2]))["builds"]}
print(f"{'variant':<24} {'fresh ms':>9} {'warm ms':>9} {'fresh/warm':>10}")
for k in sorted(fresh):
    print(f"{k:<24} {fresh[k]:>9} {warm[k]:>9} {fresh[k] / max(warm[k], 1):>9.1f}x")
PY
