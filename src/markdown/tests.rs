//! Unit tests of the markdown renderer.

use super::*;

/// A lesson-like chapter that uses every construct the renderer knows.
const SAMPLE: &str = r#"# Caching patterns

Redis answers in *microseconds* while a disk database takes **milliseconds**: that gap is why
a cache pays off. Use `SET key value EX 60` to store with a TTL, and read the
[cache-aside guide](https://redis.io/docs/latest/develop/use/patterns/) or <https://redis.io>.
This sentence ends with a hard break\
and continues on its own line. ~~Never~~ rely on the cache as the only copy.

## The read flow

1. Check the cache with `GET product:42`.
2. On a miss, load the row from the database and store it with a TTL so that stale entries
   eventually disappear.
   - Add jitter to the TTL.
   - Keep values small; large values make every read slower and block the single thread.
3. Return the value.

- [x] Cache-aside read
- [ ] Write-through update

```redis
SET product:42 "{\"name\":\"mug\"}" EX 60
GET product:42
# a comment line
CONFIG GET maxmemory-policy
ZADD board 1.5 alice (2 bob
SET broken "unbalanced
```

```text
client ──▶ cache ──miss──▶ database ──▶ cache (SET ... EX 60) ──▶ client
```

### Eviction policies

| Policy | Evicts | When to use |
|:-------|:------:|------------:|
| `allkeys-lru` | any key, least recently used first | general caches |
| `volatile-ttl` | keys with a TTL, shortest TTL first | when TTLs express priority |
| `noeviction` | nothing: writes fail with an OOM error | when Redis is the primary store |

> A cache is a copy. If losing it loses data, it is not a cache.
>
> > Nested quotes stack their bars.

> [!WARNING]
> `KEYS *` blocks the server while it walks the whole keyspace.

---

<div>HTML is shown as text.</div>

<!-- an author's note that the learner never sees -->
"#;

#[test]
fn debug_print() {
    for width in [80, 40] {
        let rendered = render(SAMPLE, width);
        println!("{}", to_plain_text(&rendered));
        println!("{:?}", rendered.code_blocks);
        println!("{:?}", rendered.headings);
    }
}
