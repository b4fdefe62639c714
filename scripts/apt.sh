# Installing Debian/Ubuntu packages for the scripts (QEMU, valgrind, ARM binutils) without removing anything
# already installed. Sourced, not run:
#
#   source scripts/apt.sh
#   apt_install valgrind     # with sudo when not root
#   install_qemu             # qemu-system-arm, in the version of any QEMU package already installed

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

# qemu-system-arm, unless it is there. A machine image may already hold QEMU packages from another suite
# (a newer qemu-utils, say); Debian's qemu-system-arm would then replace or remove them. So when any qemu-*
# package is installed, the same version of qemu-system-arm is asked for (all come from one source package);
# apt_install refuses if even that would remove something.
install_qemu() {
  if command -v qemu-system-arm >/dev/null; then return 0; fi
  echo "== installing QEMU (qemu-system-arm)"
  local version
  version=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' 'qemu-*' 2>/dev/null \
    | awk '$1 == "ii" { print $2; exit }')
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  # Without recommends: no GUI, no firmware images; the board models are all in this package. (An
  # architecture-independent package such as qemu-system-data can carry a version no qemu-system-arm has;
  # then the newest is taken, and apt_install still refuses removals.)
  if [ -n "$version" ] && apt-get -s install --no-install-recommends "qemu-system-arm=$version" >/dev/null 2>&1; then
    apt_install "qemu-system-arm=$version"
  else
    apt_install qemu-system-arm
  fi
}
