use std::collections::HashMap;

pub fn winner(ballots: &[&str]) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for ballot in ballots {
        let name = ballot.trim().to_lowercase();
        if !name.is_empty() {
            *counts.entry(name).or_default() += 1;
        }
    }
    let best = *counts.values().max()?;
    let mut leaders = counts.into_iter().filter(|(_, count)| *count == best);
    let first = leaders.next()?;
    match leaders.next() {
        Some(_) => None,
        None => Some(first.0),
    }
}
