/* bare-dirtier.c: tests/tune/dirtier.c without an operating system, for
 * the calibration grid's L2 guests (tests/truth-lane/l1-calibrate.sh).  A
 * Linux guest under TCG inside a TCG guest took more than ten minutes to
 * reach its init; this boots as a Multiboot kernel (QEMU's -kernel, which
 * libvirt's <kernel> gives) in well under a minute and does the same work.
 *
 * QEMU's Multiboot loader (hw/i386/multiboot.c) starts it in 32-bit
 * protected mode, paging off, interrupts off, EBX pointing at the Multiboot
 * information (its cmdline is libvirt's <cmdline>).  It reads the same
 * parameters as dirtier.c:
 *   dt_fill_mib=N   fill N MiB above 2 MiB with non-zero data
 *   dt_rate_mib=R   then write one word into R MiB worth of 4 KiB pages
 *                   per second
 *   dt_wss_mib=W    cycling through the first W MiB of the filled area
 * Its clock is the PIT (channel 0 at 100 Hz, IRQ 0 through the 8259 PIC):
 * between ticks the vCPU halts, as dirtier.c sleeps between its slices,
 * so the guest takes no CPU from the migration beyond its writes.  It
 * prints dirtier.c's lines on COM1 ("dirtier: N s, P pages written" once
 * a second), which tests/tune/guest.sh's readiness check waits for.
 *
 * Built with the host's gcc as a 32-bit freestanding ELF (no libc, no
 * libgcc: 32-bit arithmetic only), linked with bare-dirtier.ld.
 */
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#define PAGE 4096u
#define BUF_BASE 0x200000u
#define HZ 100u
#define PIT_HZ 1193182u

/* The Multiboot header (magic, flags: page-aligned modules and memory
 * information, checksum), first in the image (bare-dirtier.ld), and the
 * entry: a stack of its own, then main(magic, info). */
__asm__(".section .multiboot, \"a\"\n"
        ".align 4\n"
        ".long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)\n"
        ".text\n"
        ".globl _start\n"
        "_start:\n"
        "    mov $stack_top, %esp\n"
        "    push %ebx\n"
        "    push %eax\n"
        "    call main\n"
        "1:  cli\n"
        "    hlt\n"
        "    jmp 1b\n"
        /* IRQ 0 (vector 0x20): count the tick, end of interrupt */
        ".globl isr_timer\n"
        "isr_timer:\n"
        "    push %eax\n"
        "    incl ticks\n"
        "    mov $0x20, %al\n"
        "    out %al, $0x20\n"
        "    pop %eax\n"
        "    iret\n"
        /* anything else (a spurious IRQ 7 or 15): end of interrupt on both */
        ".globl isr_other\n"
        "isr_other:\n"
        "    push %eax\n"
        "    mov $0x20, %al\n"
        "    out %al, $0xa0\n"
        "    out %al, $0x20\n"
        "    pop %eax\n"
        "    iret\n");

u8 stack[16384] __attribute__((aligned(16), used));
__asm__(".globl stack_top\n.set stack_top, stack + 16384\n");

volatile u32 ticks;
void isr_timer(void);
void isr_other(void);

static struct {
    u16 off_lo, sel;
    u8 zero, type;
    u16 off_hi;
} __attribute__((packed)) idt[256];

static inline void
outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8
inb(u16 port)
{
    u8 v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void
putc_serial(char c)
{
    for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
        ;
    outb(0x3f8, (u8)c);
}

static void
puts_serial(const char *s)
{
    while (*s) {
        if (*s == '\n')
            putc_serial('\r');
        putc_serial(*s++);
    }
}

static void
putu(u32 v)
{
    char b[11];
    int i = 10;

    b[i] = '\0';
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_serial(b + i);
}

/* The number after KEY in the command line, else DFLT. */
static u32
param(const char *cmdline, const char *key, u32 dflt)
{
    for (const char *p = cmdline; p && *p; p++) {
        const char *k = key, *q = p;
        u32 v = 0;

        while (*k && *q == *k)
            k++, q++;
        if (*k)
            continue;
        if (*q < '0' || *q > '9')
            return dflt;
        while (*q >= '0' && *q <= '9')
            v = v * 10 + (u32)(*q++ - '0');
        return v;
    }
    return dflt;
}

static void
set_gate(int vec, void (*fn)(void), u16 cs)
{
    u32 a = (u32)fn;

    idt[vec].off_lo = (u16)(a & 0xffff);
    idt[vec].sel = cs;
    idt[vec].zero = 0;
    idt[vec].type = 0x8e; /* present, ring 0, 32-bit interrupt gate */
    idt[vec].off_hi = (u16)(a >> 16);
}

static void
timer_start(void)
{
    struct {
        u16 limit;
        u32 base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
    u16 cs;
    u32 div = (PIT_HZ + HZ / 2) / HZ;

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    for (int v = 0; v < 256; v++)
        set_gate(v, isr_other, cs);
    set_gate(0x20, isr_timer, cs);
    __asm__ volatile("lidt %0" : : "m"(idtr));
    /* the 8259s: master at 0x20, slave at 0x28, only IRQ 0 unmasked */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xfe);
    outb(0xa1, 0xff);
    /* PIT channel 0, rate generator (mode 2), HZ */
    outb(0x43, 0x34);
    outb(0x40, (u8)(div & 0xff));
    outb(0x40, (u8)(div >> 8));
    __asm__ volatile("sti");
}

void __attribute__((used))
main(u32 magic, const u32 *info)
{
    const char *cmdline = 0;
    u32 fill, rate, wss, pages, wss_pages, next = 0, done = 0, last_report = 0, top;
    volatile u32 *buf = (volatile u32 *)BUF_BASE;

    if (magic != 0x2badb002u) {
        puts_serial("dirtier: not started by a Multiboot loader\n");
        return;
    }
    if (info[0] & (1u << 2))
        cmdline = (const char *)info[4];
    fill = param(cmdline, "dt_fill_mib=", 64);
    rate = param(cmdline, "dt_rate_mib=", 4);
    wss = param(cmdline, "dt_wss_mib=", 32);
    /* RAM above 1 MiB (info[2], KiB) bounds the area */
    if (info[0] & 1u) {
        top = 0x100000u + info[2] * 1024u;
        if (BUF_BASE + (fill << 20) > top)
            fill = (top - BUF_BASE) >> 20;
    }
    if (wss > fill)
        wss = fill;
    if (wss == 0)
        wss = 1;
    pages = fill * (1048576u / PAGE);
    wss_pages = wss * (1048576u / PAGE);
    timer_start();
    for (u32 i = 0; i < pages; i++)
        for (u32 w = 0; w < PAGE / 4; w += 128)
            buf[i * (PAGE / 4) + w] = 0x5a5a0001u + i + w;
    puts_serial("dirtier: filled ");
    putu(fill);
    puts_serial(" MiB; dirtying ");
    putu(rate);
    puts_serial(" MiB/s over ");
    putu(wss);
    puts_serial(" MiB\n");

    u32 t0 = ticks;
    for (;;) {
        u32 el = ticks - t0, s = el / HZ;
        /* pages due by now: rate MiB/s is rate * 256 pages a second */
        u32 target = s * rate * 256u + (el % HZ) * rate * 256u / HZ;

        while (done < target) {
            buf[next * (PAGE / 4)] += 1;
            next = next + 1 == wss_pages ? 0 : next + 1;
            done++;
        }
        if (s > last_report) {
            last_report = s;
            puts_serial("dirtier: ");
            putu(s);
            puts_serial(" s, ");
            putu(done);
            puts_serial(" pages written\n");
        }
        __asm__ volatile("sti; hlt");
    }
}
