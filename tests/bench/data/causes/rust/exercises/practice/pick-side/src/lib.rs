pub fn describe(n: u32) -> String {
    todo!("describe {n}")
}
