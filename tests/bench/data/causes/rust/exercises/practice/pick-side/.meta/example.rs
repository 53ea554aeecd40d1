use either::Either;

fn pick(n: u32) -> Either<u32, f64> {
    if n % 2 == 0 {
        Either::Left(n)
    } else {
        Either::Right(f64::from(n) / 2.0)
    }
}

pub fn describe(n: u32) -> String {
    match pick(n) {
        Either::Left(even) => format!("even {even}"),
        Either::Right(half) => format!("half {half}"),
    }
}
