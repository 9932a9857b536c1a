#!/bin/sh
# init of the lab's PV guest (busybox initramfs). It runs commands that dom0 writes to the xenstore key
# data/cmd ("<seq> write <dev> <text>" or "<seq> read <dev>") and answers in data/result as "<seq> <answer>".
# write puts <text> at the start of the disk, padded with NULs to 4 KiB, O_DIRECT + fsync; read gives back
# the text found there.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done
export XENSTORED_PATH=/dev/xen/xenbus
sleep 1
xenstore-write data/ready "$(cat /proc/uptime)"
last=""
while true; do
  cmd=$(xenstore-read data/cmd 2>/dev/null)
  seq=${cmd%% *}
  if [ -n "$cmd" ] && [ "$seq" != "$last" ]; then
    set -- $cmd
    case "$2" in
      write)
        dev=$3; shift 3
        printf '%s' "$*" > /tmp/block
        dd if=/dev/zero bs=1 count=$((4096 - ${#*})) 2>/dev/null >> /tmp/block
        if dd if=/tmp/block of=/dev/$dev bs=4096 count=1 oflag=direct conv=fsync 2>/tmp/err; then
          answer="ok"
        else
          answer="error $(tr '\n' ' ' < /tmp/err)"
        fi ;;
      read)
        if dd if=/dev/$3 of=/tmp/block bs=4096 count=1 iflag=direct 2>/tmp/err; then
          answer="data $(tr -d '\000' < /tmp/block)"
        else
          answer="error $(tr '\n' ' ' < /tmp/err)"
        fi ;;
      *) answer="error unknown command" ;;
    esac
    xenstore-write data/result "$seq $answer"
    last=$seq
  fi
  sleep 0.2
done
