// cdltest.c is the C library cdl's tests load: built by TestMain with
// `$(go env CC) -shared -fPIC ... -Wl,--version-script=cdltest.map`.
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

// A constructor that records it ran.
static int ctor_runs;
__attribute__((constructor)) static void ctor(void) { ctor_runs++; }
int ctor_count(void) { return ctor_runs; }

// Two versions of one symbol: vers@VERS_1 returns 1, the default
// vers@@VERS_2 returns 2.
int vers_v1(void) { return 1; }
int vers_v2(void) { return 2; }
__asm__(".symver vers_v1, vers@VERS_1");
__asm__(".symver vers_v2, vers@@VERS_2");

// An absolute symbol whose address is 0.
__asm__(".globl zero_sym\n.set zero_sym, 0");

// One function per call shape.
long add6(long a, long b, long c, long d, long e, long f) {
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}
double dsum8(double a, double b, double c, double d, double e, double f, double g, double h) {
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}
double mix(int a, double x, long b, double y) { return a * x + b * y; }
double all14(long a, long b, long c, long d, long e, long f,
	double x0, double x1, double x2, double x3, double x4, double x5, double x6, double x7) {
	return (a + 10 * b + 100 * c + 1000 * d + 10000 * e + 100000 * f) +
	       (x0 + 2 * x1 + 3 * x2 + 4 * x3 + 5 * x4 + 6 * x5 + 7 * x6 + 8 * x7) / 1000;
}
size_t slen(const char *s) { return strlen(s); }
int str_eq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static const char greeting[] = "hello from cdl";
const char *greet(void) { return greeting; }
char *upcase(char *s) {
	for (char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'z') *p -= 'a' - 'A';
	return s;
}
float fmul(float a, float b) { return a * b; }
double fmix(float a, double b, float c) { return (double)a + 10 * b + 100 * (double)c; }
signed char neg8(signed char x) { return -x; }
unsigned short u16(unsigned int x) { return (unsigned short)x; }
bool is_even(int x) { return x % 2 == 0; }
unsigned int umax(void) { return 0xffffffffu; }
int minus1(void) { return -1; }
static int global;
void set_global(int x) { global = x; }
int get_global(void) { return global; }
