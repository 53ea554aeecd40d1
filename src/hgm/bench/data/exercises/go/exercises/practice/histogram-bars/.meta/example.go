package histogrambars

import (
	"sort"
	"strings"
)

// Bars draws one histogram line per label.
func Bars(counts map[string]int, width int) []string {
	if width < 1 {
		return nil
	}
	labels := make([]string, 0, len(counts))
	longest, largest := 0, 0
	for label, count := range counts {
		if count < 0 {
			return nil
		}
		labels = append(labels, label)
		if len(label) > longest {
			longest = len(label)
		}
		if count > largest {
			largest = count
		}
	}
	sort.Strings(labels)
	lines := make([]string, 0, len(labels))
	for _, label := range labels {
		bar := 0
		if largest > 0 {
			bar = counts[label] * width / largest
		}
		line := label + strings.Repeat(" ", longest-len(label)) + " | " + strings.Repeat("#", bar)
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}
