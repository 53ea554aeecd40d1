pub fn sum(values: &[i64]) -> i64 {
    todo!("add {values:?}")
}
