pub fn sum(values: &[i64]) -> i64 {
    values.iter().fold(0, |total, value| total.wrapping_add(*value))
}
