# Installing Debian/Ubuntu packages for the scripts (QEMU, valgrind, ARM binutils) without removing anything
# already installed. Sourced, not run:
#
#   source scripts/apt.sh
#   apt_install valgrind     # with sudo when not root
#   install_qemu             # qemu-system-arm, in the version of any QEMU package already installed
#   install_qemu qemu-system-misc qemu-system-riscv32   # another QEMU package, unless its binary is there
#   install_arm_gcc          # arm-none-eabi-gcc (Debian's gcc-arm-none-eabi), unless it is there

# Installs the packages, after a simulated run (`apt-get -s`) shows that apt would remove nothing; if it would,
# stops and says what, instead of removing it.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  local removals
  removals=$(apt-get -s install --no-install-recommends "$@" | sed -n 's/^Remv //p')
  if [ -n "$removals" ]; then
    echo "FAILED: installing $* would remove packages already installed:" >&2
    echo "$removals" >&2
    echo "install a version of $* that matches them (apt-cache policy $*), then rerun" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

# A QEMU system-emulation package (default qemu-system-arm), unless its binary (default the package's name)
# is there; `install_qemu qemu-system-misc qemu-system-riscv32` for RISC-V. A machine image may already hold
# QEMU packages from another suite (a newer qemu-utils, say); Debian's package would then replace or remove
# them. So when any qemu-* package is installed, the same version of the package is asked for (all come from
# one source package); apt_install refuses if even that would remove something.
install_qemu() {
  local package="${1:-qemu-system-arm}"
  local binary="${2:-$package}"
  if command -v "$binary" >/dev/null; then return 0; fi
  echo "== installing QEMU ($package, for $binary)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  # Without recommends: no GUI, no firmware images; the board models are all in the package. The version is
  # the first of the installed qemu-* packages' versions that the package has (an architecture-independent
  # package such as qemu-system-data can carry a version no qemu-system-* has); with none, the newest, and
  # apt_install still refuses removals.
  local version
  for version in $(dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' 'qemu-*' 2>/dev/null \
    | awk '$1 == "ii" { print $2 }' | sort -u); do
    if apt-get -s install --no-install-recommends "$package=$version" >/dev/null 2>&1; then
      apt_install "$package=$version"
      return
    fi
  done
  apt_install "$package"
}

# The bare-metal ARM C compiler (for the C driver of the Cortex-M firmware's `mixed-c` program), unless
# `arm-none-eabi-gcc` is there. About 20 s; the freestanding headers (stdint.h, stddef.h) come with it.
install_arm_gcc() {
  if command -v arm-none-eabi-gcc >/dev/null; then return 0; fi
  echo "== installing arm-none-eabi-gcc (gcc-arm-none-eabi)"
  apt_install gcc-arm-none-eabi
}
