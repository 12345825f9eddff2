package bench

import "sync"

// ChanPool is the worker pool Go programmers write by hand: a fixed number of
// goroutines receiving func() from one buffered channel. It is the baseline
// for the executor's overhead, and it has the weaknesses that make libraries
// exist: Submit blocks when the buffer is full, and Submit must not be called
// after or concurrently with Stop or StopNow (the send would panic or be lost;
// callers order them, as the benchmarks do).
//
// The zero value is not usable: use [NewChanPool]. A ChanPool must not be
// copied. Submit is safe for concurrent use. Memory model: a Submit
// synchronizes before the run of its task, through the channel.
type ChanPool struct {
	tasks chan func()    // the queue; closed by Stop
	quit  chan struct{}  // closed by StopNow: workers leave the queue behind
	wg    sync.WaitGroup // counts the workers
	once  sync.Once      // closes tasks or quit, whichever comes first
}

// NewChanPool starts workers goroutines behind a queue of queueSize tasks.
// Stop or StopNow waits for them.
func NewChanPool(workers, queueSize int) *ChanPool {
	p := &ChanPool{tasks: make(chan func(), queueSize), quit: make(chan struct{})}
	for range workers {
		p.wg.Go(p.work)
	}
	return p
}

func (p *ChanPool) work() {
	for {
		// Look at quit first, so that after StopNow at most the task a
		// worker already received runs.
		select {
		case <-p.quit:
			return
		default:
		}
		select {
		case <-p.quit:
			return
		case f, ok := <-p.tasks:
			if !ok {
				return
			}
			f()
		}
	}
}

// Submit queues f, blocking while the queue is full.
func (p *ChanPool) Submit(f func()) { p.tasks <- f }

// Stop runs every queued task, then waits for the workers to exit.
func (p *ChanPool) Stop() {
	p.once.Do(func() { close(p.tasks) })
	p.wg.Wait()
}

// StopNow makes the workers exit after their current task, leaving the
// queued tasks unrun, and returns how many were left once they all exited.
func (p *ChanPool) StopNow() int {
	p.once.Do(func() { close(p.quit) })
	p.wg.Wait()
	return len(p.tasks)
}
