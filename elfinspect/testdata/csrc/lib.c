/* A C shared library exercising what nm and readelf tell apart: weak and
   protected symbols, an IFUNC, TLS, .bss/.data/.rodata objects, local
   functions and symbol versions (with a hidden old version). */
#include <stddef.h>

int data_var = 1;
int bss_var;
const int rodata_var = 2;
static int local_data = 3;
__thread int tls_var = 4;
__thread int tls_bss;
__attribute__((weak)) int weak_var = 5;
__attribute__((visibility("protected"))) int protected_fn(void) { return local_data; }
__attribute__((weak)) int weak_fn(void) { return 6; }
extern int weak_undef_fn(void) __attribute__((weak));
extern int weak_undef_var __attribute__((weak));

static int local_fn(int x) { return x + local_data; }
int global_fn(int x) { return local_fn(x) + (weak_undef_fn ? weak_undef_fn() : 0) + (&weak_undef_var ? 1 : 0); }

static int impl_a(void) { return 1; }
static void *resolve_ifn(void) { return (void *)impl_a; }
int ifn(void) __attribute__((ifunc("resolve_ifn")));

int ver_old(void) { return 1; }
int ver_new(void) { return 2; }
__asm__(".symver ver_old,ver@V1");
__asm__(".symver ver_new,ver@@V2");
