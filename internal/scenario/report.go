package scenario

import (
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// maxSamples bounds the violation messages a Report keeps.
const maxSamples = 5

// Report collects what a run's detectors see: violations by kind, a few
// messages describing them, and the number of operations done. It is safe
// for concurrent use by every worker of the run; its counters are atomic, so
// a violation recorded by a worker happens before Run reads the counts after
// the workers were joined.
type Report struct {
	kinds []string
	n     []atomic.Int64 // n[i] counts kinds[i]; written by every detector
	ops   atomic.Int64   // written by every worker

	mu   sync.Mutex
	msgs []string // guarded by mu; at most maxSamples
}

func newReport(kinds []string) *Report {
	return &Report{kinds: kinds, n: make([]atomic.Int64, len(kinds))}
}

// violation records one violation of kind, described by format and args.
// An unknown kind is a bug in the scenario and panics.
func (r *Report) violation(kind, format string, args ...any) {
	i := r.index(kind)
	if r.n[i].Add(1) > maxSamples {
		return
	}
	msg := kind + ": " + fmt.Sprintf(format, args...)
	r.mu.Lock()
	if len(r.msgs) < maxSamples {
		r.msgs = append(r.msgs, msg)
	}
	r.mu.Unlock()
}

func (r *Report) index(kind string) int {
	for i, k := range r.kinds {
		if k == kind {
			return i
		}
	}
	panic("scenario: unknown violation kind " + kind)
}

// op counts n operations.
func (r *Report) op(n int64) { r.ops.Add(n) }

func (r *Report) counts() []Count {
	out := make([]Count, len(r.kinds))
	for i, k := range r.kinds {
		out[i] = Count{Kind: k, N: r.n[i].Load()}
	}
	return out
}

func (r *Report) samples() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// peakSampler records the largest heap seen while a run goes on: the bytes
// of live and not yet swept heap objects, read every few milliseconds
// through runtime/metrics (which does not stop the world).
type peakSampler struct {
	peak atomic.Uint64 // written by the sampling goroutine and stop
	quit chan struct{}
	done chan struct{}
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startPeakSampler() *peakSampler {
	p := &peakSampler{quit: make(chan struct{}), done: make(chan struct{})}
	p.sample()
	go func() {
		defer close(p.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-tick.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *peakSampler) sample() {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	v := s[0].Value.Uint64()
	for {
		old := p.peak.Load()
		if v <= old || p.peak.CompareAndSwap(old, v) {
			return
		}
	}
}

// stop ends the sampling goroutine, waits for it, and returns the peak.
func (p *peakSampler) stop() uint64 {
	close(p.quit)
	<-p.done
	p.sample()
	return p.peak.Load()
}
