# Shared by scripts/demo, scripts/test and scripts/bench: install what is
# missing from Debian's packages, then configure and build. Source it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages the build and tests need (meson brings python3); gnuplot
# draws the figures of `cascade report` (scripts/demo writes one).
CASCADE_PACKAGES=(gcc libc6-dev meson ninja-build pkg-config libcjson-dev libcriterion-dev
                  gnuplot-nox)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing() {
    local missing=() pkg
    for pkg in "${CASCADE_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            echo "cascade: missing Debian packages: ${missing[*]}" >&2
            echo "cascade: install them as root: apt-get install ${missing[*]}" >&2
            exit 1
        fi
    fi
    say "installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# build_dir DIR [meson options...]: configure DIR once, then build it.
build_dir() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        say "configuring $dir"
        meson setup "$dir" "$@" >/dev/null
    else
        meson configure "$dir" "$@" >/dev/null
    fi
    say "building $dir"
    ninja -C "$dir" >/dev/null
}

# The release build the README, the demo and the benchmarks use: build/cascade.
build_release() {
    build_dir build --buildtype=release -Db_lto=true "$@"
}

# The libFuzzer harnesses (tests/fuzz/): clang, ASan + UBSan, in build-fuzz/.
build_fuzz() {
    CC=clang build_dir build-fuzz --buildtype=debugoptimized -Dfuzz=true -Dwerror=true \
        -Db_sanitize=address,undefined -Db_lundef=false
}

# The browser tests' driver (tests/browser/): puppeteer-core from the npm registry,
# pinned in tests/browser/package.json and, with everything it brings, in its
# package-lock.json (npm ci), installed into build-browser/node_modules
# (not committed); the tests find it through NODE_PATH and drive Debian's chromium.
install_browser_driver() {
    install_missing chromium nodejs
    # a node not built by Debian (nodesource's nodejs) brings its own npm and conflicts
    # with Debian's npm package
    command -v npm >/dev/null || install_missing npm
    local dir=build-browser
    if [ ! -f "$dir/node_modules/puppeteer-core/package.json" ] ||
        ! cmp -s tests/browser/package-lock.json "$dir/package-lock.json"; then
        say "installing the browser tests' driver (puppeteer-core, npm) in $dir/"
        mkdir -p "$dir"
        cp tests/browser/package.json tests/browser/package-lock.json "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
    export CASCADE_NODE_PATH=$PWD/$dir/node_modules
}
