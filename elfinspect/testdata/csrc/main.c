/* A C program, built as a non-PIE executable, a PIE and an object file
   (with -fcommon, for a COMMON symbol). */
#include <stdio.h>
int common_var;
static int counter;
int main(void) { counter++; printf("%d\n", common_var + counter); return 0; }
