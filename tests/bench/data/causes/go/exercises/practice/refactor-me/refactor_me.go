package refactorme

func Mean(xs []float64) float64 {
	var s float64
	var n int
	for i := 0; i < len(xs); i++ {
		s = s + xs[i]
		n = n + 1
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}
