#!/usr/bin/env bash
# Makes a corpus of unusual valid and damaged images in DIR, with qemu-img, qemu-io and byte edits of the
# headers, and lists them in DIR/cases.tsv (one line per case: the name to pass, relative to DIR, as it is;
# "//" and ".." are kept). Whether an image is valid is not said here: ImageReaderCorpusTest asks
# `qemu-img info` and holds xsnap to its answer. Names starting "unsafe-" are images qemu-img opens although
# they are broken (it reads zeros past the end of a truncated file); xsnap refuses them.
#
# usage: qemu-corpus.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir/sub" "$dir/deep"
cd "$dir"
: >cases.tsv

q() { qemu-img "$@" >/dev/null; }
case_() { printf '%s\n' "$1" >>cases.tsv; }
# hex of a number in N bytes, big-endian (two's complement for negative numbers)
be() { printf "%0$(($1 * 2))x" "$2"; }
# hex of a string's bytes
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
# put FILE OFFSET HEX: overwrite bytes in place
put() {
    printf "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$1" bs=64k seek="$2" oflag=seek_bytes conv=notrunc status=none
}
# get FILE OFFSET N: a big-endian number
get() { echo $((16#$(od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'))); }
# copy SRC NAME: a sparse copy to edit
copy() { cp --sparse=always "$1" "$2"; }

# --- valid images ---------------------------------------------------------------------------------------------
q create -f qcow2 plain.qcow2 64M
case_ plain.qcow2
q create -f qcow2 -o compat=0.10 compat010.qcow2 16M
q snapshot -c old compat010.qcow2
case_ compat010.qcow2
for cs in 512 4096 2M; do
    q create -f qcow2 -o cluster_size=$cs "cluster-$cs.qcow2" 32M
    q snapshot -c s1 "cluster-$cs.qcow2"
    case_ "cluster-$cs.qcow2"
done
for rb in 1 8 64; do
    q create -f qcow2 -o refcount_bits=$rb "refcount-$rb.qcow2" 8M
    case_ "refcount-$rb.qcow2"
done
q create -f qcow2 -o lazy_refcounts=on lazy-dirty.qcow2 8M
put lazy-dirty.qcow2 72 "$(be 8 1)"
case_ lazy-dirty.qcow2
q create -f qcow2 -o lazy_refcounts=on lazy-clean.qcow2 8M
case_ lazy-clean.qcow2
q create -f qcow2 -o extended_l2=on extl2.qcow2 64M
case_ extl2.qcow2
q create -f qcow2 -o extended_l2=on,cluster_size=16k extl2-16k.qcow2 4M
case_ extl2-16k.qcow2
q create -f qcow2 -o compression_type=zstd zstd.qcow2 8M
case_ zstd.qcow2
q create -f qcow2 -o compression_type=zlib zlib.qcow2 8M
case_ zlib.qcow2
q create -f qcow2 -o data_file="$dir/ext.data" datafile.qcow2 4M
case_ datafile.qcow2
q create -f qcow2 -o data_file="$dir/ext-raw.data",data_file_raw=on datafile-raw.qcow2 4M
case_ datafile-raw.qcow2
# QEMU times the key derivation by the thread's CPU time and fails with "Unable to get accurate CPU
# usage" when its first 2^15 rounds read as 0 ms; with SHA-256 (SHA-NI) that was 24 of 60 tries on
# a quiet host, with SHA-512 0 of 200 under full load
for try in 1 2 3 4 5; do
    err=$(qemu-img create -q -f qcow2 --object secret,id=s0,data=xsnap \
        -o encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=50,encrypt.hash-alg=sha512 \
        luks.qcow2 4M 2>&1) && break
    ((try < 5)) || { echo "$0: cannot make a LUKS image: $err" >&2; exit 1; }
done
case_ luks.qcow2
q create -f qcow2 bitmaps.qcow2 8M
q bitmap --add bitmaps.qcow2 b0
q bitmap --add -g 65536 bitmaps.qcow2 b1
case_ bitmaps.qcow2
q create -f qcow2 resized.qcow2 1M
q resize resized.qcow2 +3M
q snapshot -c after-resize resized.qcow2
case_ resized.qcow2
q create -f qcow2 odd-size.qcow2 1M
put odd-size.qcow2 24 "$(be 8 1000001)"
case_ odd-size.qcow2
q create -f qcow2 zero-size.qcow2 0
case_ zero-size.qcow2
q create -f qcow2 -o preallocation=metadata prealloc.qcow2 4M
case_ prealloc.qcow2
q create -f qcow2 written.qcow2 4M
qemu-io -f qcow2 -c 'write -P 0x5a 0 1M' -c 'write -c 1M 64k' written.qcow2 >/dev/null
q snapshot -c w written.qcow2
case_ written.qcow2
for n in 0 1 511 512 1000 513; do
    truncate -s "$n" "raw-$n.img"
    case_ "raw-$n.img"
done
q create -f qcow2 -o compat=0.10 hdr-v2-ext.qcow2 1M
case_ hdr-v2-ext.qcow2
copy plain.qcow2 hdrlen-104.qcow2
put hdrlen-104.qcow2 100 "$(be 4 104)"
case_ hdrlen-104.qcow2
copy plain.qcow2 unknown-compat-bits.qcow2
put unknown-compat-bits.qcow2 80 "ffffffff00000000"
put unknown-compat-bits.qcow2 88 "0000000100000000"
case_ unknown-compat-bits.qcow2
copy plain.qcow2 crypt-unknown.qcow2
put crypt-unknown.qcow2 32 "$(be 4 7)"
case_ crypt-unknown.qcow2
copy plain.qcow2 backing-empty.qcow2
put backing-empty.qcow2 8 "$(be 8 4000)"
case_ backing-empty.qcow2
# the magic without a qcow2 version: qemu probes these as raw
copy plain.qcow2 version0.qcow2
put version0.qcow2 4 "$(be 4 0)"
case_ version0.qcow2
head -c 100 plain.qcow2 >short-magic.img
case_ short-magic.img

# many snapshots with qemu-img, names at the edges of what it writes
q create -f qcow2 many.qcow2 1M
for ((i = 1; i <= 40; i++)); do q snapshot -c "snap-$i-$(printf 'x%.0s' $(seq 1 $((i * 6))))" many.qcow2; done
q snapshot -c "$(printf 'n%.0s' $(seq 1 255))" many.qcow2
q snapshot -c 'dup' many.qcow2
q snapshot -c 'dup' many.qcow2
q snapshot -c ' spaced name ' many.qcow2
q snapshot -c 'ünïcødé ✓ 😀' many.qcow2
q snapshot -d snap-3-xxxxxxxxxxxxxxxxxx many.qcow2
case_ many.qcow2

# hand-written snapshot tables: entry ID NAME-HEX EXTRA-HEX [VM_CLOCK] [VM_STATE32] [DATE_SEC] [ID-HEX]
entry() {
    local id=$1 name=$2 extra=$3 clock=${4:-0} state=${5:-0} date=${6:-1700000000} idhex=${7:-} e
    [[ -n $idhex ]] || idhex=$(hexof "$id")
    e="$(be 8 0)$(be 4 0)$(be 2 $((${#idhex} / 2)))$(be 2 $((${#name} / 2)))$(be 4 "$date")$(be 4 123)"
    e+="$(be 8 "$clock")$(be 4 "$state")$(be 4 $((${#extra} / 2)))$extra$idhex$name"
    while ((${#e} % 16)); do e+=00; done
    printf '%s' "$e"
}
# table FILE COUNT HEX: a new snapshot table in a cluster past the end of the file
table() {
    local f=$1 count=$2 hex=$3 cs size off
    cs=$((1 << $(get "$f" 20 4)))
    size=$(stat -c %s "$f")
    off=$(((size + cs - 1) / cs * cs))
    put "$f" "$off" "$hex"
    put "$f" 60 "$(be 4 "$count")$(be 8 "$off")"
}
extra24() { printf '%s' "$(be 8 "$1")$(be 8 $((1 << 20)))$(be 8 "$2")"; }
q create -f qcow2 hand.qcow2 1M
long_id=$(hexof "$(printf 'i%.0s' $(seq 1 200))")
long_name=$(hexof "$(printf 'N%.0s' $(seq 1 400))")
accents=$(hexof "$(printf 'é%.0s' $(seq 1 200))")
t=""
t+=$(entry 1 "$(hexof plain)" "$(extra24 0 -1)")
t+=$(entry x "$long_name" "$(extra24 0 0)" 0 0 0 "$long_id")
t+=$(entry 3 "$accents" "$(extra24 0 5)")
t+=$(entry 4 "$(hexof before)00$(hexof after)" "$(extra24 0 -1)")
t+=$(entry 5 "ff41c341eda080efbfbec080f4908080e282414141fe" "$(extra24 0 -1)")
t+=$(entry 6 "$(hexof neg-clock)" "$(extra24 0 -1)" -1)
t+=$(entry 7 "$(hexof big-clock)" "$(extra24 0 -1)" 0x7fffffffffffffff)
t+=$(entry 8 "$(hexof huge-state)" "$(extra24 -2 -1)")
t+=$(entry 9 "$(hexof legacy-state)" "" 5000000000 4000000000)
t+=$(entry 10 "$(hexof extra16)" "$(be 8 77)$(be 8 1024)")
t+=$(entry 11 "$(hexof extra1024)" "$(extra24 0 9)$(printf '00%.0s' $(seq 1 1000))")
t+=$(entry 12 "" "$(extra24 0 -1)")
t+=$(entry "" "$(hexof no-id)" "$(extra24 0 -1)")
t+=$(entry 14 "$(hexof ctl)0102097f1b$(hexof end)" "$(extra24 0 -1)")
t+=$(entry 15 "$(hexof 'quote"back\slash')" "$(extra24 0 -1)" 0 0 4294967295)
t+=$(entry 16 "f09f9880f8888080808041fc8480808080" "$(extra24 123 -1)")
table hand.qcow2 16 "$t"
case_ hand.qcow2
# hundreds of entries (ids repeat: qemu-img info does not mind)
q create -f qcow2 many-hand.qcow2 1M
e1=$(entry 7 "$(hexof "$(printf 'long-%.0s' $(seq 1 30))")" "$(extra24 4096 -1)" 987654321012 0 1600000000)
e2=$(entry 8 "$(hexof 'short')" "$(extra24 0 42)")
t=""
for ((i = 0; i < 200; i++)); do t+=$e1$e2; done
table many-hand.qcow2 400 "$t"
case_ many-hand.qcow2
q create -f qcow2 -o compat=0.10 hand-v2.qcow2 1M
table hand-v2.qcow2 2 "$(entry 1 "$(hexof no-extra)" "")$(entry 2 "$(hexof eight)" "$(be 8 42)")"
case_ hand-v2.qcow2

# chains: relative names, "..", "//", absolute names, deep chains, other backing formats, protocol names
q create -f qcow2 base.qcow2 16M
q snapshot -c gold base.qcow2
q create -f qcow2 -b ../base.qcow2 -F qcow2 sub/mid.qcow2
q create -f qcow2 -b sub/mid.qcow2 -F qcow2 top.qcow2
case_ top.qcow2
case_ sub/../top.qcow2
case_ sub//mid.qcow2
case_ ./sub/./mid.qcow2
q create -f qcow2 -u -b ..//base.qcow2 -F qcow2 sub/slashes.qcow2 16M
case_ sub/slashes.qcow2
case_ sub//slashes.qcow2
q create -f qcow2 -u -b "$dir//sub/../base.qcow2" -F qcow2 abs-slashes.qcow2 16M
case_ abs-slashes.qcow2
q create -f qcow2 -u -b base.qcow2 no-format.qcow2 16M 2>/dev/null || \
    { q create -f qcow2 -u -b base.qcow2 -F qcow2 no-format.qcow2 16M; put no-format.qcow2 112 "$(be 4 0x12345678)"; }
case_ no-format.qcow2
truncate -s 3000 chain-raw.img
q create -f qcow2 -b chain-raw.img -F raw over-raw.qcow2
case_ over-raw.qcow2
q create -f qcow2 -u -b 'json:{"driver":"qcow2","file":{"driver":"file","filename":"'"$dir"'/base.qcow2"}}' \
    -F qcow2 json-backing.qcow2 16M
case_ json-backing.qcow2
q create -f qcow2 -u -b "file:$dir/base.qcow2" -F qcow2 file-backing.qcow2 16M
case_ file-backing.qcow2
q create -f qcow2 -u -b 'nbd://127.0.0.1:1/none' -F raw nbd-backing.qcow2 16M
case_ nbd-backing.qcow2
q create -f qcow2 deep/l0.qcow2 4M
for ((i = 1; i <= 12; i++)); do q create -f qcow2 -u -b "l$((i - 1)).qcow2" -F qcow2 "deep/l$i.qcow2" 4M; done
case_ deep/l12.qcow2
q create -f qcow2 -u -b gone.qcow2 -F qcow2 missing-backing.qcow2 4M
case_ missing-backing.qcow2
q create -f qcow2 -u -b loop-b.qcow2 -F qcow2 loop-a.qcow2 4M
q create -f qcow2 -u -b loop-a.qcow2 -F qcow2 loop-b.qcow2 4M
case_ loop-a.qcow2
# a loop qemu-img does not see: the name grows ("./././loop-self.qcow2") until it is too long
q create -f qcow2 -u -b ./loop-self.qcow2 -F qcow2 loop-self.qcow2 4M
case_ loop-self.qcow2

# --- damaged images: one header field each, on a copy of an overlay with two snapshots -------------------------
q create -f qcow2 -b base.qcow2 -F qcow2 good.qcow2
q snapshot -c a good.qcow2
q snapshot -c b good.qcow2
# bad NAME OFFSET HEX: a copy of good.qcow2 with HEX at OFFSET
bad() { copy good.qcow2 "$1"; put "$1" "$2" "$3"; case_ "$1"; }
bad bad-version4.qcow2 4 "$(be 4 4)"
bad bad-cluster-bits8.qcow2 20 "$(be 4 8)"
bad bad-cluster-bits22.qcow2 20 "$(be 4 22)"
bad bad-header-short.qcow2 100 "$(be 4 100)"
bad bad-header-long.qcow2 100 "$(be 4 65544)"
bad bad-backing-offset.qcow2 8 "$(be 8 65544)"
bad bad-backing-size.qcow2 16 "$(be 4 1024)"
bad bad-backing-size-cluster.qcow2 16 "$(be 4 1000)"
put bad-backing-size-cluster.qcow2 8 "$(be 8 65000)"
bad bad-compression-type.qcow2 104 02
bad bad-compression-bit.qcow2 72 "$(be 8 8)"
bad bad-zstd-without-bit.qcow2 104 01
bad bad-incompat-bit5.qcow2 72 "$(be 8 32)"
bad bad-incompat-high.qcow2 72 "c000000000000000"
bad bad-incompat-named.qcow2 72 "$(be 8 $((1 << 40)))"
# the feature name table's first entry (incompatible bit 0, "dirty bit") made to name bit 40
ft=$(($(get good.qcow2 100 4) + 8 + $(($(get good.qcow2 116 4) + 7 & ~7)) + 8))
put bad-incompat-named.qcow2 $((ft + 1)) 28
bad bad-refcount-order.qcow2 96 "$(be 4 7)"
bad bad-refcount-clusters0.qcow2 56 "$(be 4 0)"
bad bad-refcount-clusters-large.qcow2 56 "$(be 4 129)"
bad bad-refcount-offset-odd.qcow2 48 "$(be 8 $((65536 + 8)))"
bad bad-refcount-offset-huge.qcow2 48 "7fffffffffff0000"
bad bad-snapshots-count.qcow2 60 "$(be 4 65537)"
bad bad-snapshots-offset-odd.qcow2 64 "$(be 8 $(($(get good.qcow2 64 8) + 8)))"
bad bad-snapshots-offset-huge.qcow2 64 "7fffffffffff0000"
bad bad-snapshots-offset-none.qcow2 60 "$(be 4 0)$(be 8 12345)"
bad bad-l1-size-large.qcow2 36 "$(be 4 4194305)"
bad bad-l1-offset-odd.qcow2 40 "$(be 8 $(($(get good.qcow2 40 8) + 8)))"
bad bad-l1-offset-huge.qcow2 40 "7fffffffffff0000"
bad bad-l1-too-small.qcow2 36 "$(be 4 0)"
bad bad-image-too-big.qcow2 24 "4000000000000000"
bad bad-size-negative.qcow2 24 "ffffffffffffff00"
bad bad-ext-too-large.qcow2 116 "$(be 4 70000)"
bad bad-ext-format-long.qcow2 116 "$(be 4 16)"
bad bad-ext-crypto-not-luks.qcow2 112 "0537be7700000010"
copy luks.qcow2 bad-luks-ext-size.qcow2
put bad-luks-ext-size.qcow2 116 "$(be 4 8)"
case_ bad-luks-ext-size.qcow2
copy luks.qcow2 bad-luks-ext-offset.qcow2
put bad-luks-ext-offset.qcow2 $((112 + 8)) "$(be 8 4096)"
case_ bad-luks-ext-offset.qcow2
# bitmaps extension: find it in the extension list of bitmaps.qcow2
bm=$(get bitmaps.qcow2 100 4)
while [[ $(get bitmaps.qcow2 "$bm" 4) != $((0x23852875)) ]]; do
    bm=$((bm + 8 + ($(get bitmaps.qcow2 $((bm + 4)) 4) + 7 & ~7)))
done
bitmapbad() { copy bitmaps.qcow2 "$1"; put "$1" "$2" "$3"; case_ "$1"; }
bitmapbad bad-bitmaps-count0.qcow2 $((bm + 8)) "$(be 4 0)"
bitmapbad bad-bitmaps-count-large.qcow2 $((bm + 8)) "$(be 4 65536)"
bitmapbad bad-bitmaps-reserved.qcow2 $((bm + 12)) "$(be 4 1)"
bitmapbad bad-bitmaps-dir-offset.qcow2 $((bm + 24)) "$(be 8 $(($(get bitmaps.qcow2 $((bm + 24)) 8) + 8)))"
bitmapbad bad-bitmaps-dir-size.qcow2 $((bm + 16)) "$(be 8 $((64 << 20)))"
bitmapbad bitmaps-autoclear-off.qcow2 88 "$(be 8 0)"
# a snapshot entry with more extra data than qemu takes
copy good.qcow2 bad-snapshot-extra.qcow2
put bad-snapshot-extra.qcow2 $(($(get good.qcow2 64 8) + 36)) "$(be 4 1025)"
case_ bad-snapshot-extra.qcow2
# a chain whose backing file is damaged
bad bad-base.qcow2 20 "$(be 4 30)"
q create -f qcow2 -u -b bad-base.qcow2 -F qcow2 over-bad-base.qcow2 1M
case_ over-bad-base.qcow2

bad bad-ext-crosses-area-end.qcow2 8 "$(be 8 116)"
bad bad-backing-past-cluster.qcow2 8 "$(be 8 65536)"
put bad-backing-past-cluster.qcow2 16 "$(be 4 1)"
bad bad-incompat-named-and-not.qcow2 72 "$(be 8 $((3 << 40)))"
put bad-incompat-named-and-not.qcow2 $((ft + 1)) 28
copy cluster-4096.qcow2 bad-extl2-4k.qcow2
put bad-extl2-4k.qcow2 72 "$(be 8 16)"
case_ bad-extl2-4k.qcow2
copy plain.qcow2 bad-v2-cluster-bits.qcow2
put bad-v2-cluster-bits.qcow2 4 "$(be 4 2)"
put bad-v2-cluster-bits.qcow2 20 "$(be 4 23)"
case_ bad-v2-cluster-bits.qcow2

# odd but valid header values, on copies of good.qcow2 (an overlay with two snapshots)
odd() { copy good.qcow2 "$1"; put "$1" "$2" "$3"; case_ "$1"; }
odd odd-dirty.qcow2 72 "$(be 8 1)"
odd odd-corrupt.qcow2 72 "$(be 8 2)"
odd odd-aes.qcow2 32 "$(be 4 1)"
odd odd-unknown-extension.qcow2 112 "12345678"
odd odd-l1-larger.qcow2 36 "$(be 4 100)"
odd odd-refcount-order0.qcow2 96 "$(be 4 0)"
odd odd-backing-at-cluster-end.qcow2 8 "$(be 8 65536)"
put odd-backing-at-cluster-end.qcow2 16 "$(be 4 0)"
odd odd-backing-nul.qcow2 $(($(get good.qcow2 8 8) + 4)) 00
odd odd-backing-utf8.qcow2 $(($(get good.qcow2 8 8) + 1)) ff
odd odd-format-nul.qcow2 120 00
odd odd-data-file-bit.qcow2 72 "$(be 8 4)"
odd odd-data-file-raw-bit.qcow2 88 "$(be 8 2)"
odd odd-hdrlen-odd.qcow2 100 "$(be 4 105)"
odd odd-snapshots-none-offset0.qcow2 60 "$(be 4 0)$(be 8 0)"
copy plain.qcow2 odd-v2-fields.qcow2
put odd-v2-fields.qcow2 4 "$(be 4 2)"
case_ odd-v2-fields.qcow2

# --- unsafe: qemu-img opens these and reads zeros past the end of the file ------------------------------------
copy good.qcow2 unsafe-truncated-snapshots.qcow2
truncate -s $(($(get good.qcow2 64 8) + 20)) unsafe-truncated-snapshots.qcow2
case_ unsafe-truncated-snapshots.qcow2
copy good.qcow2 unsafe-truncated-l1.qcow2
truncate -s $(($(get good.qcow2 40 8) + 4)) unsafe-truncated-l1.qcow2
case_ unsafe-truncated-l1.qcow2
copy good.qcow2 unsafe-truncated-refcounts.qcow2
truncate -s $(($(get good.qcow2 48 8) + 4)) unsafe-truncated-refcounts.qcow2
case_ unsafe-truncated-refcounts.qcow2
