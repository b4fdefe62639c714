# The one nightly toolchain CI uses, for Miri (scripts/miri.sh) and the sanitizers (scripts/sanitize.sh),
# pinned to a date so that a new nightly cannot break CI on a day nobody changed anything. Sourced, not run:
#
#   source scripts/nightly.sh   # sets NIGHTLY; `install_nightly` installs it with miri and rust-src
#   cargo +"$NIGHTLY" miri test
#
# Moving it forward: choose a later date whose nightly ships Miri (`rustup toolchain install
# nightly-YYYY-MM-DD --profile minimal --component miri,rust-src` fails when it does not; Miri is missing on
# some days), set it below, run `bash scripts/miri.sh` and `bash scripts/sanitize.sh`, and commit that change
# alone, so that whatever the new nightly finds is easy to tell apart from other changes. For one run,
# `NIGHTLY=nightly-YYYY-MM-DD bash scripts/miri.sh` overrides it.
NIGHTLY="${NIGHTLY:-nightly-2026-05-20}"

install_nightly() {
  # Both components are needed: rust-src for Miri's standard library and for the sanitizers' -Zbuild-std.
  if ! rustup run "$NIGHTLY" rustc -V >/dev/null 2>&1; then
    rustup toolchain install "$NIGHTLY" --profile minimal --component miri,rust-src
  fi
  rustup component add miri rust-src --toolchain "$NIGHTLY" >/dev/null 2>&1 \
    || rustup component add miri rust-src --toolchain "$NIGHTLY"
}
