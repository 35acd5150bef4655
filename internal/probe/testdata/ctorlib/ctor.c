/* A C library whose constructor prints, for the load-phase capture. */
#include <stdio.h>

__attribute__((constructor)) static void announce(void)
{
	printf("ctorlib: constructor ran\n");
	fprintf(stderr, "ctorlib: constructor stderr\n");
}

int twice(int x) { return 2 * x; }

int crash(void) { return *(volatile int *)0x10; }
