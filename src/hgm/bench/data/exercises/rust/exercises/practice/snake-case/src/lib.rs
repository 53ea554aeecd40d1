pub fn to_snake_case(name: &str) -> String {
    todo!("convert {name} to snake_case")
}
