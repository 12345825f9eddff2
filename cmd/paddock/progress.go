package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/paddock-go/paddock/internal/scenario"
)

// progress shows how far verify is: a bar redrawn in place on a terminal,
// one plain line per finished job otherwise. It is used from one goroutine.
type progress struct {
	w     io.Writer
	tty   bool
	began time.Time
	last  time.Time // when the bar was last drawn
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device, like a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const barWidth = 30

func (p *progress) start(label string) {
	p.began = time.Now()
	if p.tty {
		p.draw(label, 0, 1)
	} else {
		fmt.Fprintf(p.w, "verify: %s ...\n", label)
	}
}

func (p *progress) update(label string, done, total int) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.draw(label, done, total)
}

func (p *progress) draw(label string, done, total int) {
	p.last = time.Now()
	filled := barWidth * done / max(total, 1)
	fmt.Fprintf(p.w, "\r\033[K%-18s [%s%s] %d/%d rounds %s",
		label, strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled), done, total, elapsed(time.Since(p.began)))
}

// finish prints the result line of a job: the rounds done (of those asked
// for, when fewer), what was seen and the verdict, or, when the run was
// cut short by err, only how far it got.
func (p *progress) finish(label string, r scenario.Result, err error) {
	rounds := fmt.Sprintf("%d rounds", r.RoundsDone)
	if r.RoundsDone != r.Rounds {
		rounds = fmt.Sprintf("%d of %d rounds", r.RoundsDone, r.Rounds)
	}
	line := fmt.Sprintf("verify: %s: %s, %s, %s: %s", label, rounds, violations(r), elapsed(r.Elapsed), verdict(r))
	if err != nil {
		line = fmt.Sprintf("verify: %s: stopped after %s, %s: %v", label, rounds, elapsed(r.Elapsed), err)
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}
