package histogrambars

// Bars draws one histogram line per label.
func Bars(counts map[string]int, width int) []string {
	panic("Please implement Bars")
}
