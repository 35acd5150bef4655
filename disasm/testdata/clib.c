/* The C specimen of the disasm tests: a call through the PLT, a load
   through the GOT, and PC-relative static data, built with -g so that its
   DWARF line table gives file:line (held to addr2line by the tests). */
#include <stdio.h>

extern int ext_counter;        /* defined elsewhere: reached through the GOT */
static const char message[] = "hello from clib";
static int calls;

int clib_greet(void)
{
	calls++;                       /* PC-relative data */
	puts(message);                 /* a call through puts@plt */
	return ext_counter + calls;    /* a GOT load */
}
