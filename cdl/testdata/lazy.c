// lazy.c is a library with a constructor and a call to a function nothing
// defines: Lazy can open it, Now cannot. Built with -Wl,-z,lazy.
static int ctor_runs;
__attribute__((constructor)) static void ctor(void) { ctor_runs++; }
int lazy_ctor_count(void) { return ctor_runs; }
extern int cdl_missing_function(void);
int lazy_call_missing(void) { return cdl_missing_function(); }
