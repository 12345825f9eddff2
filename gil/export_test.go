package gil

// Waiting returns how many threads are queued in Acquire; BenchmarkHandoff
// uses it to release the lock only once the other thread waits for it.
func Waiting(l *Lock) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue)
}
