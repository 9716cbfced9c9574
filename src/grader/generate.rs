//! Seeded data for scenarios and setups: the same seed gives the same users, codes and event
//! streams on every run and every machine, so a grade is reproducible; another seed gives
//! other data, so answers typed by hand do not carry over.

use crate::course::scenario::{Date, Generator};
use crate::course::template::{Binding, Bindings};
use std::time::Duration;

/// SplitMix64: small, fast and fixed forever (a crate's generator may change between
/// versions, which would change every grade).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from any text (an exercise id, a scenario id, a variant).
    pub fn from_text(parts: &[&str]) -> Rng {
        // FNV-1a over the parts, separated so that ("ab","c") and ("a","bc") differ.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for byte in part.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Rng(hash)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = (high as i128 - low as i128 + 1) as u128;
        (low as i128 + (u128::from(self.next_u64()) % span) as i128) as i64
    }
}

/// Words for `word`: short, lower-case, unambiguous.
const WORDS: &[&str] = &[
    "amber", "basil", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper",
    "kestrel", "lotus", "maple", "nectar", "onyx", "pepper", "quartz", "raven", "sage", "tulip",
    "umber", "violet", "willow", "yarrow", "zephyr", "acorn", "birch", "comet", "dune", "flint",
];

/// Generates one value for `let` (events use `events_values`).
pub fn generate(
    generator: &Generator,
    bindings: &Bindings,
    rng: &mut Rng,
) -> Result<Binding, String> {
    Ok(match generator {
        Generator::Id => Binding::text(rng.range(1000, 999_999).to_string()),
        Generator::Digits(n) => Binding::text(digits(*n, rng)),
        Generator::Int(low, high) => Binding::text(rng.range(*low, *high).to_string()),
        Generator::Word => Binding::text(WORDS[rng.range(0, WORDS.len() as i64 - 1) as usize]),
        Generator::Pick(values) => {
            let mut choices = Vec::new();
            for value in values {
                choices.extend(value.expand(bindings, &[]).map_err(|e| e.message)?);
            }
            if choices.is_empty() {
                return Err("pick() has nothing to pick from".into());
            }
            Binding::One(choices[rng.range(0, choices.len() as i64 - 1) as usize].clone())
        }
        Generator::Literal(template) => {
            let values = template.expand(bindings, &[]).map_err(|e| e.message)?;
            if values.len() == 1 {
                Binding::One(values.into_iter().next().expect("one value"))
            } else {
                Binding::List(values)
            }
        }
        Generator::Days { start, count } => Binding::List(
            (0..*count as i64)
                .map(|i| {
                    Date::from_days(start.days_since_epoch() + i)
                        .to_string()
                        .into_bytes()
                })
                .collect(),
        ),
        Generator::List(count, inner) => {
            let mut values: Vec<Vec<u8>> = Vec::with_capacity(*count);
            for _ in 0..*count {
                // Distinct where the generator has room: a few retries, then accept a repeat.
                let mut value = single(generate(inner, bindings, rng)?)?;
                for _ in 0..20 {
                    if !values.contains(&value) {
                        break;
                    }
                    value = single(generate(inner, bindings, rng)?)?;
                }
                values.push(value);
            }
            Binding::List(values)
        }
        Generator::Moment { .. } | Generator::DateOf(_) => {
            return Err("moment() and dateof() belong to `events`".into());
        }
    })
}

fn single(binding: Binding) -> Result<Vec<u8>, String> {
    match binding {
        Binding::One(value) => Ok(value),
        Binding::List(_) => Err("a list cannot hold lists".into()),
    }
}

fn digits(n: usize, rng: &mut Rng) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.range(0, 9) as u8))
        .collect()
}

/// One generated event: each parameter's name and value, in the order they were given.
pub type Event = Vec<(String, Vec<u8>)>;

/// The arguments of `count` events. `moment` parameters grow along the stream.
pub fn events_values(
    count: usize,
    params: &[(String, Generator)],
    bindings: &Bindings,
    rng: &mut Rng,
) -> Result<Vec<Event>, String> {
    let mut moments: Vec<std::vec::IntoIter<u64>> = Vec::new();
    for (_, generator) in params {
        if let Generator::Moment { span, .. } = generator {
            let span = span.max(&Duration::from_secs(1)).as_secs();
            let mut offsets: Vec<u64> = (0..count).map(|_| rng.next_u64() % span).collect();
            offsets.sort_unstable();
            moments.push(offsets.into_iter());
        }
    }
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        let mut values: Event = Vec::with_capacity(params.len());
        let mut moment = 0;
        for (name, generator) in params {
            let value = match generator {
                Generator::Moment { start, .. } => {
                    let seconds = moments[moment].next().expect("one offset per event");
                    moment += 1;
                    timestamp(*start, seconds)
                }
                Generator::DateOf(other) => values
                    .iter()
                    .find(|(n, _)| n == other)
                    .map(|(_, v)| v.get(..10).unwrap_or(v).to_vec())
                    .ok_or_else(|| format!("dateof({other}): `{other}` comes later"))?,
                other => single(generate(other, bindings, rng)?)?,
            };
            values.push((name.clone(), value));
        }
        events.push(values);
    }
    Ok(events)
}

/// `2024-06-03T08:15:02Z`, `seconds` after the start of `start`.
fn timestamp(start: Date, seconds: u64) -> Vec<u8> {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let date = Date::from_days(start.days_since_epoch() + days);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::template::Template;

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let mut a = Rng::from_text(&["otp", "1"]);
        let mut b = Rng::from_text(&["otp", "1"]);
        let mut c = Rng::from_text(&["otp", "2"]);
        let draw = |rng: &mut Rng| generate(&Generator::Digits(6), &Bindings::new(), rng).unwrap();
        assert_eq!(draw(&mut a), draw(&mut b));
        assert_ne!(draw(&mut a), draw(&mut c));
        assert_ne!(
            Rng::from_text(&["ab", "c"]).next_u64(),
            Rng::from_text(&["a", "bc"]).next_u64()
        );
    }

    #[test]
    fn generators_make_what_they_say() {
        let mut rng = Rng::from_text(&["t"]);
        let none = Bindings::new();
        for _ in 0..100 {
            let Binding::One(v) = generate(&Generator::Int(3, 5), &none, &mut rng).unwrap() else {
                panic!()
            };
            assert!((3..=5).contains(&String::from_utf8(v).unwrap().parse::<i64>().unwrap()));
        }
        let days = generate(
            &Generator::Days {
                start: Date {
                    year: 2024,
                    month: 2,
                    day: 28,
                },
                count: 3,
            },
            &none,
            &mut rng,
        )
        .unwrap();
        assert_eq!(
            days,
            Binding::List(vec![
                b"2024-02-28".to_vec(),
                b"2024-02-29".to_vec(),
                b"2024-03-01".to_vec()
            ])
        );
        let Binding::List(ids) = generate(
            &Generator::List(50, Box::new(Generator::Int(1, 1000))),
            &none,
            &mut rng,
        )
        .unwrap() else {
            panic!()
        };
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 50, "lists are distinct where there is room");
        let picked = generate(
            &Generator::Pick(vec![Template::parse(b"{days}").unwrap()]),
            &Bindings::from([("days".to_string(), days)]),
            &mut rng,
        )
        .unwrap();
        assert!(matches!(picked, Binding::One(v) if v.starts_with(b"2024-")));
    }

    #[test]
    fn event_moments_grow_and_dates_follow_them() {
        let mut rng = Rng::from_text(&["events"]);
        let start = Date {
            year: 2024,
            month: 6,
            day: 3,
        };
        let params = vec![
            (
                "ts".to_string(),
                Generator::Moment {
                    start,
                    span: Duration::from_secs(7 * 86_400),
                },
            ),
            ("day".to_string(), Generator::DateOf("ts".into())),
        ];
        let events = events_values(200, &params, &Bindings::new(), &mut rng).unwrap();
        let stamps: Vec<&Vec<u8>> = events.iter().map(|e| &e[0].1).collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "moments grow");
        assert!(stamps[0].starts_with(b"2024-06-0"));
        assert!(events.iter().all(|e| e[0].1.starts_with(&e[1].1)));
        assert!(
            events
                .iter()
                .all(|e| e[1].1.as_slice() <= b"2024-06-09".as_slice())
        );
    }
}
