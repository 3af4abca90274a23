#!/usr/bin/env bash
# Builds the test guest offline from Debian packages (nothing else is downloaded): the cloud
# kernel, busybox-static, and dropbear-bin with the libraries it links, with an initramfs whose
# /init (scripts/test-guest/init) reads a NoCloud seed and serves SSH with the user data's
# keys. Prints the directory holding `vmlinuz` and `initrd.img`; cached under
# $COMPUTE_CACHE/guest/<kernel ABI>-<init hash>, so a second run only prints it. Tests call it
# side by side: one builds while the others wait for it (a lock in the cache), and the result
# appears at once (renamed into place), so nobody reads half a guest.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${COMPUTE_CACHE:-$HOME/.cache/compute-chain}/guest"
# Modules the cloud kernel builds as modules, in load order: virtio devices, the seed's vfat,
# QEMU's firmware config, and the ACPI power button.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover
	net_failover virtio_net virtio_blk fat vfat nls_cp437 nls_ascii qemu_fw_cfg button evdev)

kernel_pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)"
if [ -z "$kernel_pkg" ]; then
	echo "build-test-guest: apt knows no linux-image-cloud-amd64 (run apt-get update)" >&2
	exit 1
fi
abi="${kernel_pkg#linux-image-}"
stamp="$(cat "$here/test-guest/init" "$0" | sha256sum | cut -c1-12)"
out="$cache/$abi-$stamp"
if [ -f "$out/initrd.img" ] && [ -f "$out/vmlinuz" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Built by another run while this one waited.
if [ -f "$out/initrd.img" ] && [ -f "$out/vmlinuz" ]; then
	echo "$out"
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# dropbear-bin and the packages of the libraries it links (readelf below finds which).
SSH_PACKAGES=(dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g)
(cd "$work" && apt-get download -qq "$kernel_pkg" busybox-static "${SSH_PACKAGES[@]}" 2>/dev/null)
dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
for pkg in "${SSH_PACKAGES[@]}"; do
	dpkg-deb -x "$work/${pkg}"_*.deb "$work/ssh"
done

root="$work/root"
mkdir -p "$root/bin" "$root/etc" "$root/lib/modules"
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
install -m 0755 "$here/test-guest/init" "$root/init"
for module in "${MODULES[@]}"; do
	file="$(find "$work/kernel/lib/modules" -name "$module.ko" | head -n 1)"
	[ -n "$file" ] || { echo "build-test-guest: no module $module in $kernel_pkg" >&2; exit 1; }
	cp "$file" "$root/lib/modules/"
done
printf '%s\n' "${MODULES[@]}" >"$root/etc/modules"
# The file `$1` (in the unpacked packages) is, following its symbolic links inside them: an
# absolute link target is a path in the packages, never on this host.
resolve() {
	local path="$1" target
	while [ -L "$path" ]; do
		target="$(readlink "$path")"
		case "$target" in
		/*) path="$work/ssh$target" ;;
		*) path="$(dirname "$path")/$target" ;;
		esac
	done
	echo "$path"
}
# The SSH server, its dynamic loader and every library it needs, followed transitively.
mkdir -p "$root/usr/sbin" "$root/lib/x86_64-linux-gnu" "$root/lib64"
cp "$work/ssh/usr/sbin/dropbear" "$root/usr/sbin/dropbear"
needed=(ld-linux-x86-64.so.2)
queue=("$root/usr/sbin/dropbear")
while [ ${#queue[@]} -gt 0 ]; do
	elf="${queue[0]}"
	queue=("${queue[@]:1}")
	for lib in $(readelf -d "$elf" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		[ -e "$root/lib/x86_64-linux-gnu/$lib" ] && continue
		file="$(find "$work/ssh" -name "$lib" | head -n 1)"
		[ -n "$file" ] || { echo "build-test-guest: no $lib in ${SSH_PACKAGES[*]}" >&2; exit 1; }
		cp "$(resolve "$file")" "$root/lib/x86_64-linux-gnu/$lib"
		queue+=("$root/lib/x86_64-linux-gnu/$lib")
	done
done
for lib in "${needed[@]}"; do
	file="$(find "$work/ssh" -name "$lib" | head -n 1)"
	cp "$(resolve "$file")" "$root/lib/x86_64-linux-gnu/$lib"
	ln -sf "../lib/x86_64-linux-gnu/$lib" "$root/lib64/$lib"
done

staged="$work/out"
mkdir -p "$staged"
cp "$work/kernel/boot/vmlinuz-$abi" "$staged/vmlinuz"
# The host has no cpio: busybox's does the packing.
(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$staged/initrd.img")
rm -rf "$out" "$out.tmp"
# Into the cache's file system first, then renamed: the directory appears whole.
cp -r "$staged" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
