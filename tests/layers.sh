#!/bin/sh
# layers.sh: each folder under plugin/ (and hooks/) includes only the layers
# it may use (docs/architecture.md).  The engine must stay pure: decide/
# sees the model and nothing that reads the host, so a rule can never start
# probing on its own.  One TAP line per folder; a failure names the file and
# the include that crosses a layer.
#
# Environment: top_srcdir (set by `make check`).

. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"

# folder: the folders its files may include from (besides its own)
allowed() {
    case $1 in
    model) echo "" ;;
    probe) echo "model" ;;
    decide) echo "model" ;;
    eval) echo "model probe decide" ;;
    render) echo "model probe decide eval" ;;
    dbus) echo "model" ;;
    helper) echo "model probe decide eval render" ;;
    cli) echo "model probe decide eval render dbus" ;;
    daemon) echo "model probe decide eval render dbus" ;;
    hooks) echo "model probe decide eval render dbus" ;;
    esac
}

check_folder() {
    folder=$1 dir=$2 bad=""
    ok_list="$folder $(allowed "$folder")"
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -f "$f" ] || continue
        # "layer/file.h": a quoted include with a folder; config.h and the
        # folder's own headers ("dt-hook-lazy.h" in hooks/) have none
        for inc in $(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z]*\)/[^"]*".*|\1|p' "$f" | sort -u); do
            case " $ok_list " in
            *" $inc "*) ;;
            *) bad="$bad ${f#"$top_srcdir"/} includes $inc/;" ;;
            esac
        done
        # a quoted include without a folder must be a file beside it (or
        # config.h), never a header found through some -I path
        for inc in $(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"/]*\)".*|\1|p' "$f"); do
            [ "$inc" = config.h ] || [ -f "$dir/$inc" ] ||
                bad="$bad ${f#"$top_srcdir"/} includes \"$inc\" without its layer;"
        done
    done
    if [ -z "$bad" ]; then
        tap_ok "$folder/ includes only $(echo $ok_list)"
    else
        tap_fail "$folder/ crosses its layers:$bad"
    fi
}

n=0
for dir in "$top_srcdir"/plugin/*/; do
    dir=${dir%/}
    folder=${dir##*/}
    if [ -z "$(allowed "$folder")" ] && [ "$folder" != model ]; then
        tap_fail "plugin/$folder/ is not a known layer: add it to tests/layers.sh and docs/architecture.md"
        continue
    fi
    check_folder "$folder" "$dir"
    n=$((n + 1))
done
check_folder hooks "$top_srcdir/hooks"
# the product's sources sit in the layer folders, none loose in plugin/
loose=$(cd "$top_srcdir/plugin" && ls ./*.c ./*.h 2> /dev/null | tr '\n' ' ')
if [ -z "$loose" ]; then
    tap_ok "no source file outside a layer folder"
else
    tap_fail "sources outside a layer folder in plugin/: $loose"
fi
[ "$n" -ge 9 ] || tap_fail "only $n layer folders under plugin/"
tap_done
