pub fn digital_root(n: u64) -> (u8, u32) {
    let mut value = n;
    let mut steps = 0;
    while value >= 10 {
        let mut sum = 0;
        while value > 0 {
            sum += value % 10;
            value /= 10;
        }
        value = sum;
        steps += 1;
    }
    (value as u8, steps)
}
