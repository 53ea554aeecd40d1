package histogrambars

import (
	"reflect"
	"testing"
)

func TestEmptyMap(t *testing.T) {
	got := Bars(map[string]int{}, 10)
	if got == nil || len(got) != 0 {
		t.Fatalf("Bars(empty) = %#v, want an empty non-nil slice", got)
	}
}

func TestScaling(t *testing.T) {
	cases := []struct {
		name   string
		counts map[string]int
		width  int
		want   []string
	}{
		{"one label", map[string]int{"go": 3}, 4, []string{"go | ####"}},
		{"sorted and padded", map[string]int{"rust": 2, "c": 4}, 4, []string{"c    | ####", "rust | ##"}},
		{"rounds down", map[string]int{"a": 1, "b": 3}, 5, []string{"a | #", "b | #####"}},
		{"zero count", map[string]int{"x": 0, "y": 2}, 3, []string{"x |", "y | ###"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bars(tc.counts, tc.width); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Bars(%v, %d) = %#v, want %#v", tc.counts, tc.width, got, tc.want)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	if got := Bars(map[string]int{"a": -1}, 3); got != nil {
		t.Fatalf("negative count: got %#v, want nil", got)
	}
	if got := Bars(map[string]int{"a": 1}, 0); got != nil {
		t.Fatalf("zero width: got %#v, want nil", got)
	}
}
