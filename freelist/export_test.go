package freelist

import "fmt"

// RaceEnabled lets the external tests know that Put drops a random share of
// objects under -race, so tests that need deterministic reuse can skip.
const RaceEnabled = raceEnabled

// DebugChecks reports a -tags paddockdebug build.
const DebugChecks = debugChecks

// Audit checks, at a quiescent point, the credit conservation the package
// doc's correctness argument rests on: the objects the list holds (counted
// without Len's clamp) plus its free credits (the free count, the shards'
// spare credits, the private slots holding the credit sentinel) add up to
// exactly Cap, no count is negative, every shard's sharedLen matches its
// stack, and Len reports the unclamped count. A lost or duplicated credit,
// which could let the list keep more than Cap objects or fewer, fails it.
// Call it only when no operation is in flight.
func (l *List[T]) Audit() error {
	objects, credits := 0, int(l.free.Load())
	if credits < 0 {
		return fmt.Errorf("free count %d < 0", credits)
	}
	for i, s := range *l.shards.Load() {
		switch p := s.private.Load(); {
		case p == l.credit:
			credits++
		case p != nil:
			objects++
		}
		c := int(s.credits.Load())
		if c < 0 {
			return fmt.Errorf("shard %d: spare credits %d < 0", i, c)
		}
		credits += c
		s.mu.Lock()
		n, recorded := len(s.shared), int(s.sharedLen.Load())
		s.mu.Unlock()
		if n != recorded {
			return fmt.Errorf("shard %d: sharedLen %d, stack holds %d", i, recorded, n)
		}
		objects += n
	}
	if objects+credits != l.capacity {
		return fmt.Errorf("%d objects + %d free credits = %d, want Cap %d", objects, credits, objects+credits, l.capacity)
	}
	if got := l.Len(); got != objects {
		return fmt.Errorf("Len() = %d, list holds %d", got, objects)
	}
	return nil
}

// CheckNotInList runs Put's -tags paddockdebug check in any build.
func (l *List[T]) CheckNotInList(x *T) { l.checkNotInList(x) }

// GetMiss is what Get runs after its fast path found no object in the
// private slot of the P it ran on, as it does when the goroutine moved to
// another P between the two.
func (l *List[T]) GetMiss() *T { return l.getMiss() }
