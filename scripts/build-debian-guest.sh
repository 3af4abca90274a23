#!/usr/bin/env bash
# Builds a Debian 12 cloud disk image from Debian packages alone, the way a cloud publishes one:
# Debian's own cloud-init (NoCloud), openssh-server, sudo, ifupdown (so cloud-init renders ENI, as on
# Debian 12's cloud images) and the cloud kernel, on a disk that boots with its own bootloader.
# Nothing is mounted: the root file system is made with `mkfs.ext4 -d`, the boot partition (FAT,
# with syslinux, the kernel and its initrd) with mtools.
#
# Prints the path of the qcow2 image; cached under $COMPUTE_CACHE/debian-guest/<script hash>, so
# a second run only prints it. Concurrent runs build once (a lock in the cache), and the image
# appears whole (renamed into place).
set -euo pipefail
cache="${COMPUTE_CACHE:-$HOME/.cache/compute-chain}/debian-guest"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# python3-cffi-backend: debootstrap does not resolve the virtual packages cloud-init needs it for.
PACKAGES=systemd-sysv,udev,cloud-init,python3-cffi-backend,openssh-server,sudo,ifupdown,iproute2,netbase,linux-image-cloud-amd64,initramfs-tools
# The disk: an MBR, the boot partition from 1 MiB, the root file system after it.
BOOT_MB=128
# The image's size is its root file system's contents plus this much room.
ROOT_SPARE_MB=300

stamp="$(sha256sum "$0" | cut -c1-12)"
out="$cache/$stamp/debian-12.qcow2"
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Built by another run while this one waited.
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$mirror" \
	>"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	echo "build-debian-guest: debootstrap failed" >&2
	exit 1
fi

# What a cloud image leaves to its first boot: host keys, machine id, hostname.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/etc/hostname" "$root/var/lib/dbus/machine-id"
echo 'LABEL=root / ext4 defaults 0 1' >"$root/etc/fstab"
# ifupdown brings up what cloud-init writes to interfaces.d.
cat >"$root/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback

source /etc/network/interfaces.d/*
EOF
# The seed is all there is: cloud-init looks for no other datasource. The image has no
# `locales` package: the locale is the one glibc always has.
cat >"$root/etc/cloud/cloud.cfg.d/90-image.cfg" <<'EOF'
datasource_list: [NoCloud, None]
locale: C.UTF-8
EOF
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb

kernel="$(cd "$root/boot" && ls vmlinuz-* | head -n 1)"
initrd="initrd.img-${kernel#vmlinuz-}"
[ -f "$root/boot/$initrd" ] || { echo "build-debian-guest: no $initrd in the image" >&2; exit 1; }

# The boot partition: syslinux, the kernel and its initrd.
boot="$work/boot.img"
truncate -s "${BOOT_MB}M" "$boot"
mformat -i "$boot" -v BOOT ::
cat >"$work/syslinux.cfg" <<'EOF'
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=root ro console=tty0 console=ttyS0
EOF
cp "$root/boot/$kernel" "$work/vmlinuz"
cp "$root/boot/$initrd" "$work/initrd.img"
mcopy -i "$boot" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg" ::/
syslinux --install "$boot"

# The root file system, from the directory.
root_mb=$(($(du -sm "$root" | cut -f1) + ROOT_SPARE_MB))
rootfs="$work/root.img"
truncate -s "${root_mb}M" "$rootfs"
mkfs.ext4 -q -L root -d "$root" "$rootfs"

# The disk: syslinux's MBR code, the boot partition (active), the root partition.
disk="$work/disk.img"
truncate -s "$((1 + BOOT_MB + root_mb))M" "$disk"
sfdisk -q "$disk" <<EOF
label: dos
start=1MiB, size=${BOOT_MB}MiB, type=c, bootable
start=$((1 + BOOT_MB))MiB, type=83
EOF
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$disk" bs=1M seek=1 conv=notrunc status=none
dd if="$rootfs" of="$disk" bs=1M seek="$((1 + BOOT_MB))" conv=notrunc status=none

staged="$work/out"
mkdir -p "$staged"
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$staged/debian-12.qcow2"
rm -rf "$cache/$stamp" "$cache/$stamp.tmp"
# Into the cache's file system first, then renamed: the directory appears whole.
cp -r "$staged" "$cache/$stamp.tmp"
mv "$cache/$stamp.tmp" "$cache/$stamp"
# Images of earlier versions of this script are not used again.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$stamp" -exec rm -rf {} +
echo "$out"
