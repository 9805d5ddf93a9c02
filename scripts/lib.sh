# Shared checks for scripts/demo and scripts/test: each installs what it can and says precisely
# what is missing otherwise.

MIN_RUST=1.85

need_cargo() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        cat >&2 <<MSG
aggnic needs Rust $MIN_RUST or newer (cargo), and it is not installed.
Install it with rustup (Debian 12's own cargo is too old):
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
    . "\$HOME/.cargo/env"
then run this command again.
MSG
        exit 1
    fi
    local have
    have=$(rustc --version | awk '{print $2}')
    if [ "$(printf '%s\n%s\n' "$MIN_RUST" "$have" | sort -V | head -n1)" != "$MIN_RUST" ]; then
        echo "aggnic needs Rust $MIN_RUST or newer; rustc is $have. Run: rustup update stable" >&2
        exit 1
    fi
}

# need_tools tool:package ... — installs missing Debian packages when root, else names the command.
need_tools() {
    local missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "aggnic's tests need these Debian packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}
