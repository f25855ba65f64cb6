# matrix.sh: sourced by tests/truth-lane.sh.  truth_matrix STACK prints the
# L2 configurations the lane runs on one L1 boot, in the format
# tests/truth-lane/l1-run.sh reads:
#   ID QEMU DEVICES ENABLE-MIGRATION DEVICE-TRACKING PRE-COPY-TRACKING BACKEND VIOMMU
# STACK is debian or iommufd (kernel 6.12) or 6.1 (Debian 12's kernel, the
# e1000e only: Debian 6.1 builds no mtty).  Every configuration runs under
# QEMU 7.2 and 10.0.
truth_matrix() {
    case $1 in
    6.1)
        set -- "e1000e auto on on type1 none" \
               "e1000e on on on type1 none"
        ;;
    *)
        set -- "e1000e auto on on type1 none" \
               "e1000e on on on type1 none" \
               "e1000e off on on type1 none" \
               "e1000e auto on on iommufd none" \
               "e1000e auto on on type1 cm-on" \
               "mtty auto on on type1 none" \
               "mtty on on on type1 none" \
               "mtty off on on type1 none" \
               "mtty auto off on type1 none" \
               "mtty on off on type1 none" \
               "mtty auto on off type1 none" \
               "mtty auto on on iommufd none" \
               "mtty on on on iommufd none" \
               "mtty on off on iommufd none" \
               "mtty auto on on type1 cm-off" \
               "mtty auto on on type1 cm-on" \
               "mtty on on on type1 cm-on" \
               "mtty2 auto on on type1 none" \
               "mtty2 auto on on iommufd none" \
               "mtty+e1000e auto on on type1 none"
        ;;
    esac
    for q in 10.0 7.2; do
        for c in "$@"; do
            echo "$c" | while read -r dev em ddt pre be vi; do
                id="$dev-em_$em"
                [ "$ddt" = off ] && id="$id-devtrack_off"
                [ "$pre" = off ] && id="$id-precopy_off"
                [ "$be" = iommufd ] && id="$id-iommufd"
                [ "$vi" != none ] && id="$id-viommu_$vi"
                echo "$q-$id $q $c"
            done
        done
    done
}
