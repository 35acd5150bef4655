// The guard: how Close waits for the loader calls in flight on a handle
// without making them write any memory another thread writes.
//
// A Handle owns a cdl_guard in C memory: the dlopen handle and a closed flag.
// Every loader call on the handle (dlsym, dlvsym, dlinfo) runs inside one C
// call, between cdl_enter and cdl_leave. A thread runs one C call at a time,
// and these calls never call back into Go (the cgo "nocallback" contract), so
// a thread is inside at most one guarded call: one word per thread, its
// slot's busy, can say which guard it is using. cdl_enter stores the guard
// there and then reads the closed flag; Close (cdl_guard_close) sets the flag
// and then reads every thread's slot, waiting while one holds its guard.
// Both pairs are sequentially consistent, so of two such calls at least one
// sees the other's store (the store-buffer litmus test, forbidden under
// seq_cst): either the lookup sees the flag and fails with ErrClosed before
// touching the handle, or Close sees the lookup and waits for it to leave.
// dlclose therefore never runs while a lookup uses the handle.
//
// The fast path writes only its own thread's slot, a cache line no other
// thread writes, where a lock or a shared in-flight counter would move one
// line between cores on every call. Close pays instead: it walks every slot.
// There is one slot per thread that ever made a guarded call; a thread gives
// its slot back when it exits, for the next new thread to take.
//
// The guard itself is freed only when the Handle is unreachable (a cleanup
// registered by Open), never by Close: a lookup racing with Close still
// reads the closed flag of a live guard.
#ifndef CDL_GUARD_H
#define CDL_GUARD_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct cdl_guard {
	void *dl;           // what dlopen returned
	atomic_int closed;  // set once by cdl_guard_close
} cdl_guard;

// A slot has a cache line of its own (128 bytes covers the adjacent-line
// prefetch of x86 and the 128-byte lines of some arm64 cores).
typedef struct cdl_slot {
	_Alignas(128) _Atomic(cdl_guard *) busy; // the guard this thread is using, or NULL
	atomic_int owned;                        // 1 while a live thread holds the slot
	struct cdl_slot *next;                   // fixed once the slot is on the list
} cdl_slot;

extern __thread cdl_slot *cdl_self;
cdl_slot *cdl_slot_take(void);
int cdl_guard_close(cdl_guard *g);

// Results of cdl_enter.
enum { CDL_IN = 0, CDL_CLOSED = 1, CDL_NOMEM = 2 };

// cdl_enter marks this thread as using g, unless g is closed. On CDL_IN the
// caller may use g->dl and must call cdl_leave(*sp) when done.
static inline int cdl_enter(cdl_guard *g, cdl_slot **sp) {
	cdl_slot *s = cdl_self;
	if (s == NULL && (s = cdl_slot_take()) == NULL)
		return CDL_NOMEM;
	atomic_store(&s->busy, g);          // seq_cst: ordered before the load
	if (atomic_load(&g->closed)) {      // seq_cst
		atomic_store_explicit(&s->busy, NULL, memory_order_relaxed);
		return CDL_CLOSED;
	}
	*sp = s;
	return CDL_IN;
}

// cdl_leave ends the use cdl_enter began; release orders every access to the
// handle before it, for the Close that waits on the slot.
static inline void cdl_leave(cdl_slot *s) {
	atomic_store_explicit(&s->busy, NULL, memory_order_release);
}

#endif
