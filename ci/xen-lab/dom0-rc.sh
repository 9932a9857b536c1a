#!/bin/sh
# The lab dom0's whole boot (busybox init runs it once, see /etc/inittab): no systemd, no udev.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
ln -sfn /run /var/run
hostname dom0
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback loop e1000 xfs; do
  modprobe "$m" 2>/dev/null
done
mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen
ip link set lo up
# the initramfs' udev may have renamed eth0 (ens3): take the first interface that is not lo
nic=$(ls /sys/class/net | grep -v '^lo$' | head -1)
ip link set "$nic" up
ip addr add 10.0.2.15/24 dev "$nic"
ip route add default via 10.0.2.2
mkdir -p /run/sshd /var/log/xen /var/lib/xen /run/xen /lab /mnt/labkeys
# the second disk (made by ci/xen-lab.sh boot, label labkeys) brings this boot's ssh key and the guest's
# initramfs; found by its label: the two disks come up in either order
keys=""
for i in $(seq 20); do keys=$(findfs LABEL=labkeys 2>/dev/null) && break; sleep 0.5; done
[ -n "$keys" ] && mount -o ro "$keys" /mnt/labkeys && {
  mkdir -p /root/.ssh && cp /mnt/labkeys/authorized_keys /root/.ssh/authorized_keys
  chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
  cp /mnt/labkeys/guest.cpio.gz /lab/guest.cpio.gz
  umount /mnt/labkeys
}
/usr/sbin/sshd -E /var/log/sshd.log
/etc/init.d/xen start > /var/log/xen-start.log 2>&1
echo "XSNAP-DOM0-READY $(cut -d' ' -f1 /proc/uptime)" > /dev/console
