//! SRV record ordering (RFC 2782): by priority, and within a priority by a weighted random
//! draw, so that servers get traffic in proportion to their weight.

use rand::Rng;

use super::SrvRecord;

/// Orders records for trying, dropping the "service not available" record (target `.`).
pub(super) fn order(mut records: Vec<SrvRecord>, rng: &mut impl Rng) -> Vec<SrvRecord> {
    records.retain(|r| r.target != "." && !r.target.is_empty());
    records.sort_by_key(|r| r.priority);
    let mut ordered = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let same = rest
            .iter()
            .take_while(|r| r.priority == first.priority)
            .count();
        let (group, tail) = rest.split_at(same);
        ordered.extend(weighted_shuffle(group.to_vec(), rng));
        rest = tail;
    }
    ordered
}

/// RFC 2782: "arrange all SRV RRs (that have not been ordered yet) in any order, except that
/// all those with weight 0 are placed at the beginning", then pick by running sum.
fn weighted_shuffle(mut group: Vec<SrvRecord>, rng: &mut impl Rng) -> Vec<SrvRecord> {
    group.sort_by_key(|r| r.weight != 0);
    let mut out = Vec::with_capacity(group.len());
    while !group.is_empty() {
        let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
        let pick = rng.gen_range(0..=total);
        let mut running = 0u32;
        let index = group
            .iter()
            .position(|r| {
                running += u32::from(r.weight);
                running >= pick
            })
            .unwrap_or(0);
        out.push(group.remove(index));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rec(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 5060,
            target: target.into(),
        }
    }

    #[test]
    fn priority_first_then_weight() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut first_counts = [0u32; 2];
        for _ in 0..2000 {
            let got = order(
                vec![
                    rec(20, 0, "backup"),
                    rec(10, 90, "big"),
                    rec(10, 10, "small"),
                    rec(0, 0, "."),
                ],
                &mut rng,
            );
            assert_eq!(
                got.len(),
                3,
                "the '.' record means no service and is dropped"
            );
            assert_eq!(got[2].target, "backup");
            first_counts[usize::from(got[0].target == "small")] += 1;
        }
        // About 90 % of draws put the weight-90 server first.
        assert!(
            first_counts[0] > 1600 && first_counts[1] > 100,
            "{first_counts:?}"
        );
    }
}
