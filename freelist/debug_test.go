//go:build paddockdebug

package freelist_test

import (
	"strings"
	"testing"
)

// Under -tags paddockdebug, Put of an object already in the list panics.
func TestDebugDetectsDoublePut(t *testing.T) {
	l := newList(t, 4)
	o := new(object)
	for tries := 0; !l.Put(o); tries++ { // under -race Put may drop it
		if tries > 100 {
			t.Fatalf("Put kept nothing in 100 tries")
		}
	}
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.HasPrefix(s, "freelist: object put twice") {
			t.Errorf("second Put panicked with %v, want \"freelist: object put twice ...\"", r)
		}
	}()
	l.Put(o)
	t.Errorf("second Put of the same object returned, want a panic")
}
