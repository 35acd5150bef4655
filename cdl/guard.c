//go:build (linux || darwin || freebsd) && cgo

// The slow half of the guard described in guard.h: taking a slot, and Close.

#include "guard.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

__thread cdl_slot *cdl_self;

// slots is every slot ever made, newest first. Slots are pushed, never
// removed, so a reader may follow next pointers without a lock.
static _Atomic(cdl_slot *) slots;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int have_key;

// give_back runs when a thread that took a slot exits: it is then inside no
// guarded call, so the slot's busy is NULL, and another thread may take it.
static void give_back(void *p) {
	atomic_store(&((cdl_slot *)p)->owned, 0);
}

static void make_key(void) {
	have_key = pthread_key_create(&key, give_back) == 0;
}

// cdl_slot_take gives the calling thread a slot, reusing one a dead thread
// gave back, or returns NULL if memory is short.
cdl_slot *cdl_slot_take(void) {
	pthread_once(&once, make_key);
	cdl_slot *s;
	for (s = atomic_load(&slots); s != NULL; s = s->next) {
		int unowned = 0;
		if (atomic_compare_exchange_strong(&s->owned, &unowned, 1))
			goto took;
	}
	void *p;
	if (posix_memalign(&p, sizeof(cdl_slot), sizeof(cdl_slot)) != 0)
		return NULL;
	s = p;
	atomic_init(&s->busy, NULL);
	atomic_init(&s->owned, 1);
	s->next = atomic_load(&slots);
	while (!atomic_compare_exchange_weak(&slots, &s->next, s))
		;
took:
	// Without the key the slot is simply never given back.
	if (have_key)
		pthread_setspecific(key, s);
	cdl_self = s;
	return s;
}

// cdl_guard_close marks g closed and returns once no thread is inside a
// guarded call on g; after it, g->dl is the caller's alone. It returns 1,
// doing nothing, if g was already closed.
//
// A slot taken after the walk below began belongs to a thread whose
// cdl_enter comes after the exchange in the seq_cst order, so it sees the
// flag: the walk may miss it.
int cdl_guard_close(cdl_guard *g) {
	if (atomic_exchange(&g->closed, 1))
		return 1;
	for (cdl_slot *s = atomic_load(&slots); s != NULL; s = s->next) {
		// A lookup holds the slot for one dlsym: yield a while, then sleep,
		// in case the loader lock keeps it waiting behind a slow dlopen.
		for (int spins = 0; atomic_load(&s->busy) == g; spins++) {
			if (spins < 100) {
				sched_yield();
			} else {
				struct timespec ts = {0, 50 * 1000};
				nanosleep(&ts, NULL);
			}
		}
	}
	return 0;
}
