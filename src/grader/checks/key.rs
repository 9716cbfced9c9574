//! `kind = "key"`: inspects a key's type (TYPE) and time to live (TTL).

use super::{Context, Kind, Problem, run_command};
use crate::backend::Connection;
use crate::glob::glob_match;
use crate::grader::GraderError;
use crate::grader::report::{display_command, quote, render};
use crate::resp::Value;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// A key check.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub key: String,
    pub key_type: Option<KeyType>,
    pub ttl: Option<TtlExpectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    key: String,
    #[serde(rename = "type")]
    key_type: Option<KeyType>,
    ttl: Option<RawTtl>,
}

/// The TTL a key check expects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TtlExpectation {
    /// Seconds left, inclusive bounds.
    Seconds { min: i64, max: i64 },
    /// The key exists without an expiry.
    NoExpiry,
}

/// The type a key check expects, as TYPE names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
    /// The key must not exist.
    None,
}

impl KeyType {
    /// The name TYPE replies with.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::Zset => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::None => "none",
        }
    }

    /// The type as a learner reads it in a sentence: "a sorted set", "no key".
    pub fn describe(type_name: &str) -> String {
        match type_name {
            "string" => "a string".into(),
            "list" => "a list".into(),
            "set" => "a set".into(),
            "zset" => "a sorted set".into(),
            "hash" => "a hash".into(),
            "stream" => "a stream".into(),
            "none" => "no key".into(),
            other => format!("a {other}"),
        }
    }
}

impl Kind for Key {
    type Raw = RawKey;

    fn parse(raw: RawKey) -> Result<Key, Vec<Problem>> {
        if raw.key_type.is_none() && raw.ttl.is_none() {
            return Err(vec![Problem::table(
                "checks nothing: give `type`, `ttl` or both",
            )]);
        }
        if let Some(RawTtl(TtlExpectation::Seconds { min, max })) = raw.ttl
            && min > max
        {
            return Err(vec![Problem::at(
                "ttl",
                format!("ttl [{min}, {max}] is empty"),
            )]);
        }
        Ok(Key {
            key: raw.key,
            key_type: raw.key_type,
            ttl: raw.ttl.map(|t| t.0),
        })
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        vec![("key", &self.key)]
    }

    fn substituted(&self, fill: &dyn Fn(&str) -> String) -> Key {
        Key {
            key: fill(&self.key),
            ..self.clone()
        }
    }

    fn validate(&self, owns: &[String]) -> Result<(), Problem> {
        if owns
            .iter()
            .any(|p| glob_match(p.as_bytes(), self.key.as_bytes()))
        {
            Ok(())
        } else {
            Err(Problem::at(
                "key",
                format!("inspects `{}`, which no `owns` pattern covers", self.key),
            ))
        }
    }

    fn key_names(&self) -> Vec<Vec<u8>> {
        vec![self.key.as_bytes().to_vec()]
    }

    async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError> {
        check_key(context.conn, self.key.as_bytes(), self.key_type, self.ttl).await
    }
}

async fn check_key(
    conn: &mut Connection,
    key: &[u8],
    key_type: Option<KeyType>,
    ttl: Option<TtlExpectation>,
) -> Result<Option<String>, GraderError> {
    let type_args = vec![b"TYPE".to_vec(), key.to_vec()];
    let found_type = match run_command(conn, &type_args).await? {
        Value::Simple(t) | Value::Bulk(t) => String::from_utf8_lossy(&t).into_owned(),
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&type_args),
                reply: render(&other),
            });
        }
    };
    if let Some(expected) = key_type
        && found_type != expected.as_str()
    {
        return Ok(Some(format!(
            "found {} at {}, expected {}",
            KeyType::describe(&found_type),
            quote(key),
            KeyType::describe(expected.as_str())
        )));
    }
    let Some(ttl) = ttl else {
        return Ok(None);
    };
    let ttl_args = vec![b"TTL".to_vec(), key.to_vec()];
    let seconds = match run_command(conn, &ttl_args).await? {
        Value::Integer(s) => s,
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&ttl_args),
                reply: render(&other),
            });
        }
    };
    let found = match seconds {
        -2 => "-2 (no such key)".to_string(),
        -1 => "-1 (no expiry)".to_string(),
        s => s.to_string(),
    };
    Ok(match ttl {
        TtlExpectation::Seconds { min, max } if !(min..=max).contains(&seconds) => Some(format!(
            "expected a TTL between {min} and {max} seconds, found {found}"
        )),
        TtlExpectation::NoExpiry if seconds != -1 => Some(format!(
            "expected a key without expiry (TTL -1), found {found}"
        )),
        _ => None,
    })
}

/// `ttl = [min, max]` or `ttl = "none"`.
struct RawTtl(TtlExpectation);

impl<'de> Deserialize<'de> for RawTtl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TtlVisitor;
        impl<'de> Visitor<'de> for TtlVisitor {
            type Value = RawTtl;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"`ttl = [min, max]` (seconds) or `ttl = "none"`"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTtl, E> {
                if v == "none" {
                    Ok(RawTtl(TtlExpectation::NoExpiry))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTtl, A::Error> {
                let min: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let max: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<i64>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(RawTtl(TtlExpectation::Seconds { min, max }))
            }
        }
        d.deserialize_any(TtlVisitor)
    }
}
