/* fuzz-domain.c: libvirt domain XML, the input that arrives from the most
 * hands (libvirt's hook stdin, D-Bus callers, users).
 *
 * Besides dt_domain_parse() itself, the helpers callers run on every parsed
 * domain are exercised, since a parser that "succeeds" into a half-filled
 * struct is where use-after-free and NULL dereferences hide.
 */
#include "config.h"

#include "model/dt-domain.h"
#include "dt-fuzz.h"
#include "model/dt-util.h"

int
dt_fuzz_domain(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = dt_domain_parse((const char *)data, size, &error);
    DtPolicy policy;

    if (!d) {
        /* every refusal must say why, in one line */
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR && error->message != NULL);
        return 0;
    }
    dt_fuzz_check(error == NULL);
    dt_fuzz_check(d->metadata != NULL);

    for (guint i = 0; i < d->hostdevs->len; i++) {
        const DtHostdev *h = g_ptr_array_index(d->hostdevs, i);

        dt_fuzz_check(h->type == DT_HOSTDEV_PCI || h->type == DT_HOSTDEV_MDEV);
        if (h->has_addr) {
            g_autofree char *s = dt_pci_addr_to_string(&h->addr);
            DtPciAddr back;
            dt_fuzz_check(dt_pci_addr_parse(s, &back) && dt_pci_addr_equal(&back, &h->addr));
        }
        (void)dt_domain_hostdev_uses_iommufd(d, h);
    }

    dt_policy_init_defaults(&policy);
    dt_metadata_apply_policy(d->metadata, &policy);
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_domain)
