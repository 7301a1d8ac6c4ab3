package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// printTable prints the results and returns how many failed.
func printTable(w io.Writer, results []result, total time.Duration) int {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	header := []string{"scenario", "first apply", "state/server", "orphans", "dups", "needless destroys", "panics", "re-apply converged", "plan empty", "seconds", "result"}
	rows := [][]string{header}
	failed := 0
	for _, r := range results {
		verdict := "ok"
		if r.failed() {
			verdict = "FAIL"
			failed++
		}
		first := r.firstApply
		if i := strings.Index(first, ":"); i > 0 {
			first = first[:i]
		}
		rows = append(rows, []string{r.name, first, fmt.Sprintf("%d/%d", r.tally.InState, r.tally.OnServer),
			fmt.Sprint(r.tally.Orphans), fmt.Sprint(r.tally.Duplicates), fmt.Sprint(r.tally.NeedlessDestroys), fmt.Sprint(r.panics),
			yes(r.reapply), yes(r.planEmpty), fmt.Sprintf("%.1f", r.seconds), verdict})
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	fmt.Fprintf(w, "\n")
	for n, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = c + strings.Repeat(" ", widths[i]-len(c))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		if n == 0 {
			dashes := make([]string, len(row))
			for i := range row {
				dashes[i] = strings.Repeat("-", widths[i])
			}
			fmt.Fprintf(w, "|-%s-|\n", strings.Join(dashes, "-|-"))
		}
	}
	fmt.Fprintf(w, "\n")
	for _, r := range results {
		fmt.Fprintf(w, "- %s: %s. First apply: %s.", r.name, r.fault, r.firstApply)
		if r.problem != "" {
			fmt.Fprintf(w, " Problem: %s.", r.problem)
		}
		if r.destroyError {
			fmt.Fprint(w, " (The destroy at the end failed.)")
		}
		fmt.Fprintf(w, "\n")
	}
	fmt.Fprintf(w, "\n%d scenarios, %d failed, %.0f s in all.\n", len(results), failed, total.Seconds())
	return failed
}
