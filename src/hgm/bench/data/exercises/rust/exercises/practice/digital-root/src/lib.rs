pub fn digital_root(n: u64) -> (u8, u32) {
    todo!("compute the digital root of {n} and the number of steps")
}
