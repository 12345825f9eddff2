package freelist_test

import (
	"strings"
	"testing"
)

// The check Put runs under -tags paddockdebug, run directly so that
// ordinary builds test it too (TestDebugDetectsDoublePut, built only with
// the tag, tests that Put calls it). Three objects put by one goroutine
// land in its P's private slot and shared stack (and, if it moves between
// Ps, other shards), so the check searches both kinds of place.
func TestCheckNotInListFindsEveryHeldObject(t *testing.T) {
	t.Parallel()
	l := newList(t, 3)
	var kept []*object
	for tries := 0; len(kept) < 3; tries++ {
		if tries == 100 {
			t.Fatalf("kept %d objects in 100 Puts, want 3", len(kept))
		}
		if o := new(object); l.Put(o) {
			kept = append(kept, o)
		}
	}
	for i, o := range kept {
		if msg := checkPanic(func() { l.CheckNotInList(o) }); !strings.HasPrefix(msg, "freelist: object put twice") {
			t.Errorf("object %d of 3 in the list: check panicked with %q, want \"freelist: object put twice ...\"", i, msg)
		}
	}
	if msg := checkPanic(func() { l.CheckNotInList(new(object)) }); msg != "" {
		t.Errorf("object not in the list: check panicked with %q, want no panic", msg)
	}
	o := l.Get()
	if msg := checkPanic(func() { l.CheckNotInList(o) }); msg != "" {
		t.Errorf("object just taken out by Get: check panicked with %q, want no panic", msg)
	}
}

// checkPanic runs f and returns the string it panicked with, or "".
func checkPanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
			if msg == "" {
				msg = "(a panic that is not a string)"
			}
		}
	}()
	f()
	return ""
}
