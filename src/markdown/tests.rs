//! Unit tests of the markdown renderer.

use insta::assert_snapshot;
use ratatui::style::{Color, Modifier, Style};

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

/// The rendered lines as plain strings.
fn plain_lines(markdown: &str, width: u16) -> Vec<String> {
    to_plain_text(&render(markdown, width))
        .split('\n')
        .map(str::to_owned)
        .collect()
}

/// The style of the first span whose text is exactly `text`.
fn style_of(rendered: &Rendered, text: &str) -> Style {
    rendered
        .lines
        .iter()
        .flat_map(|line| &line.spans)
        .find(|span| span.content == text || span.content.trim() == text.trim())
        .map(|span| span.style)
        .unwrap_or_else(|| {
            panic!(
                "no span {text:?} in:\n{}",
                styles_dump(rendered, 0..rendered.lines.len())
            )
        })
}

/// One line per span: its text and style, for the lines in `range`.
fn styles_dump(rendered: &Rendered, range: std::ops::Range<usize>) -> String {
    let mut dump = String::new();
    for (index, line) in rendered.lines[range.clone()].iter().enumerate() {
        dump.push_str(&format!("line {}:\n", range.start + index));
        for span in &line.spans {
            dump.push_str(&format!("  {:?} {:?}\n", span.content, span.style));
        }
    }
    dump
}

/// Asserts that every line fits `width`, code included.
fn assert_fits(markdown: &str, width: u16) {
    let rendered = render(markdown, width);
    for (index, line) in rendered.lines.iter().enumerate() {
        let limit = usize::from(width.max(1));
        assert!(
            line.width() <= limit,
            "width {width}: line {index} is {} columns wide: {:?}\n{}",
            line.width(),
            to_plain_text(&Rendered {
                lines: vec![line.clone()],
                ..Rendered::default()
            }),
            to_plain_text(&rendered)
        );
    }
}

#[test]
fn paragraphs_wrap_at_word_boundaries() {
    let lines = plain_lines("one two three four five six seven", 10);
    assert_eq!(lines, ["one two", "three four", "five six", "seven"]);
}

#[test]
fn wrapping_counts_display_width_of_wide_characters() {
    // Each CJK character takes two columns.
    let lines = plain_lines("キャッシュ とは 高速 な 記憶", 12);
    assert_eq!(lines, ["キャッシュ", "とは 高速 な", "記憶"]);
    for width in 1..20 {
        assert_fits("キャッシュとは高速な記憶 😀😀😀 ❤\u{fe0f}❤\u{fe0f}", width);
    }
}

#[test]
fn hyphenated_words_may_wrap_after_a_hyphen() {
    assert_eq!(
        plain_lines("a read-modify-write cycle", 14),
        ["a read-modify-", "write cycle"]
    );
    assert_eq!(
        plain_lines("TTL returns -2 here", 13),
        ["TTL returns", "-2 here"]
    );
}

#[test]
fn soft_breaks_are_spaces_and_hard_breaks_end_the_line() {
    assert_eq!(plain_lines("first\nsecond", 80), ["first second"]);
    assert_eq!(plain_lines("first  \nsecond", 80), ["first", "second"]);
    assert_eq!(plain_lines("first\\\nsecond", 80), ["first", "second"]);
    assert_eq!(plain_lines("first<br>second", 80), ["first", "second"]);
}

#[test]
fn words_longer_than_the_line_are_broken_between_characters() {
    assert_eq!(
        plain_lines("see abcdefghijkl now", 5),
        ["see", "abcde", "fghij", "kl", "now"]
    );
}

#[test]
fn emphasis_strong_and_strikethrough_are_styled() {
    let rendered = render("*soft* **loud** ~~gone~~ ***both***", 80);
    assert_eq!(to_plain_text(&rendered), "soft loud gone both");
    assert_eq!(style_of(&rendered, "soft"), Style::new().italic());
    assert_eq!(style_of(&rendered, "loud"), Style::new().bold());
    assert_eq!(style_of(&rendered, "gone"), Style::new().crossed_out());
    let both = style_of(&rendered, "both");
    assert!(
        both.add_modifier
            .contains(Modifier::BOLD | Modifier::ITALIC),
        "expected bold italic, found {both:?}"
    );
}

#[test]
fn inline_code_is_styled_and_kept_on_one_line_when_it_fits() {
    let rendered = render("Store it with `SET key value EX 60` today.", 22);
    assert_eq!(
        to_plain_text(&rendered),
        "Store it with\nSET key value EX 60\ntoday."
    );
    assert_eq!(
        style_of(&rendered, "SET key value EX 60"),
        Style::new().fg(Color::Yellow)
    );
    // Punctuation glued to the code stays with it.
    assert_eq!(
        plain_lines("Then run `GET key`, twice.", 13),
        ["Then run", "GET key,", "twice."]
    );
}

#[test]
fn inline_code_wider_than_the_line_breaks_at_its_spaces() {
    assert_eq!(
        plain_lines("`ZRANGE board 0 9 REV WITHSCORES`", 12),
        ["ZRANGE board", "0 9 REV", "WITHSCORES"]
    );
}

#[test]
fn links_show_their_url_unless_the_text_is_the_url() {
    let rendered = render(
        "Read [the docs](https://redis.io/docs) or <https://redis.io>.",
        80,
    );
    assert_eq!(
        to_plain_text(&rendered),
        "Read the docs (https://redis.io/docs) or https://redis.io."
    );
    let link = Style::new().fg(Color::Blue).underlined();
    assert_eq!(style_of(&rendered, "the docs"), link);
    assert_eq!(
        style_of(&rendered, " (https://redis.io/docs)"),
        Style::new().fg(Color::DarkGray)
    );
    assert_eq!(
        plain_lines("Mail <ops@example.com>.", 80),
        ["Mail ops@example.com."]
    );
    assert_eq!(
        plain_lines("![a diagram](flow.png)", 80),
        ["[image: a diagram] (flow.png)"]
    );
}

#[test]
fn headings_have_a_style_per_level_and_blank_lines_around() {
    let markdown = "# One\ntext\n## Two\n### Three\n#### Four\n##### Five\n###### Six\nend";
    let rendered = render(markdown, 40);
    assert_eq!(
        to_plain_text(&rendered),
        "One\n═══\n\ntext\n\nTwo\n───\n\nThree\n\nFour\n\nFive\n\nSix\n\nend"
    );
    let styles: Vec<Style> = ["One", "Two", "Three", "Four", "Five", "Six"]
        .iter()
        .map(|text| style_of(&rendered, text))
        .collect();
    for (index, style) in styles.iter().enumerate() {
        for other in &styles[index + 1..] {
            assert_ne!(style, other, "two heading levels share a style");
        }
    }
    let found: Vec<(u8, &str, usize)> = rendered
        .headings
        .iter()
        .map(|heading| (heading.level, heading.text.as_str(), heading.line))
        .collect();
    assert_eq!(
        found,
        [
            (1, "One", 0),
            (2, "Two", 5),
            (3, "Three", 8),
            (4, "Four", 10),
            (5, "Five", 12),
            (6, "Six", 14)
        ]
    );
}

#[test]
fn heading_text_drops_markup_and_wraps() {
    let rendered = render("## The `SET` command and *its* options", 12);
    assert_eq!(rendered.headings[0].text, "The SET command and its options");
    assert_eq!(
        plain_lines("## The `SET` command and *its* options", 12),
        ["The SET", "command and", "its options", "───────────"]
    );
}

#[test]
fn bullet_lists_nest_with_hanging_indents() {
    let markdown =
        "- first item that is long enough to wrap\n  - nested item here\n    - deeper\n- second";
    assert_eq!(
        plain_lines(markdown, 24),
        [
            "• first item that is",
            "  long enough to wrap",
            "  ◦ nested item here",
            "    ▪ deeper",
            "• second",
        ]
    );
    let rendered = render(markdown, 24);
    assert_eq!(style_of(&rendered, "• "), Style::new().fg(Color::Yellow));
}

#[test]
fn ordered_lists_number_from_their_start_and_align_numbers() {
    let markdown = "8. eight\n9. nine is a longer item\n10. ten";
    assert_eq!(
        plain_lines(markdown, 16),
        [" 8. eight", " 9. nine is a", "    longer item", "10. ten"]
    );
}

#[test]
fn loose_lists_keep_blank_lines_between_items() {
    let markdown = "- one\n\n- two\n\n  second paragraph";
    assert_eq!(
        plain_lines(markdown, 40),
        ["• one", "", "• two", "", "  second paragraph"]
    );
}

#[test]
fn task_list_items_show_their_box() {
    let rendered = render("- [x] done thing\n- [ ] open thing that wraps", 16);
    assert_eq!(
        to_plain_text(&rendered),
        "[x] done thing\n[ ] open thing\n    that wraps"
    );
    assert_eq!(style_of(&rendered, "[x] "), Style::new().fg(Color::Green));
    assert_eq!(plain_lines("1. [ ] step", 40), ["1. [ ] step"]);
}

#[test]
fn code_blocks_are_boxed_and_long_lines_wrap_with_a_continuation_mark() {
    let markdown =
        "Intro\n\n```python\nimport redis\nr = redis.Redis(host='localhost', port=6379)\n```\n";
    let rendered = render(markdown, 30);
    assert_eq!(
        to_plain_text(&rendered),
        "Intro\n\n╭─ python ───────────────────╮\n│ import redis               │\n\
         │ r = redis.Redis(host='loca │\n│↪lhost', port=6379)         │\n\
         ╰────────────────────────────╯"
    );
    assert_eq!(
        rendered.code_blocks,
        [CodeBlock {
            lang: "python".into(),
            text: "import redis\nr = redis.Redis(host='localhost', port=6379)".into(),
            first_line: 3,
            last_line: 5,
        }]
    );
    assert_eq!(
        style_of(&rendered, "import"),
        Style::new().fg(Color::Blue).bold()
    );
    assert_eq!(style_of(&rendered, "'loca"), Style::new().fg(Color::Green));
    assert_eq!(style_of(&rendered, "↪"), Style::new().fg(Color::Yellow));
}

#[test]
fn code_blocks_without_language_or_text_still_render() {
    assert_eq!(plain_lines("```\n```", 6), ["╭────╮", "│    │", "╰────╯"]);
    assert_eq!(
        plain_lines("    indented\n", 14),
        ["╭────────────╮", "│ indented   │", "╰────────────╯"]
    );
    assert_eq!(
        plain_lines("```text\na\tb\n```", 20)[1],
        "│ a   b            │",
        "tabs expand to the next stop of 4"
    );
    assert_eq!(
        plain_lines("```\nabcdef\n```", 3),
        ["╭──", "│ab", "↪cd", "↪ef", "╰──"],
        "boxes too narrow for both sides keep the left one"
    );
}

#[test]
fn other_languages_colour_keywords_strings_numbers_and_comments() {
    let rendered = render(
        "```lua\nlocal n = redis.call('INCR', KEYS[1]) -- count\n--[[ a\nblock ]] return 10\n```",
        80,
    );
    assert_eq!(
        style_of(&rendered, "local"),
        Style::new().fg(Color::Blue).bold()
    );
    assert_eq!(style_of(&rendered, "'INCR'"), Style::new().fg(Color::Green));
    assert_eq!(
        style_of(&rendered, "-- count"),
        Style::new().fg(Color::DarkGray).italic()
    );
    assert_eq!(
        style_of(&rendered, "block ]]"),
        Style::new().fg(Color::DarkGray).italic(),
        "a block comment carries over to the next line"
    );
    assert_eq!(style_of(&rendered, "10"), Style::new().fg(Color::Magenta));
}

#[test]
fn code_blocks_inside_list_items_are_indented_and_located() {
    let rendered = render("1. Run:\n\n   ```redis\n   PING\n   ```\n", 20);
    assert_eq!(
        to_plain_text(&rendered),
        "1. Run:\n\n   ╭─ redis ───────╮\n   │ PING          │\n   ╰───────────────╯"
    );
    assert_eq!(rendered.code_blocks[0].first_line, 3);
    assert_eq!(rendered.code_blocks[0].last_line, 3);
    assert_eq!(rendered.code_blocks[0].commands(), ["PING"]);
}

/// The text of a boxed code row, without its box.
fn code_row(line: &str) -> &str {
    line.strip_prefix("│ ")
        .or_else(|| line.strip_prefix("│↪"))
        .unwrap_or(line)
        .strip_suffix(" │")
        .unwrap_or(line)
}

#[test]
fn redis_blocks_highlight_each_token_and_keep_spacing() {
    let line = r#"SET  greeting "hello world" EX 60"#;
    let rendered = render(&format!("```redis\n{line}\nCONFIG GET maxmemory\n```"), 80);
    assert_eq!(
        code_row(&plain_lines(&format!("```redis\n{line}\n```"), 80)[1]).trim_end(),
        line
    );
    assert_eq!(
        style_of(&rendered, "SET"),
        Style::new().fg(Color::Cyan).bold()
    );
    assert_eq!(
        style_of(&rendered, r#""hello world""#),
        Style::new().fg(Color::Green)
    );
    assert_eq!(style_of(&rendered, "EX"), Style::new().fg(Color::Blue));
    assert_eq!(style_of(&rendered, "60"), Style::new().fg(Color::Magenta));
    assert_eq!(
        style_of(&rendered, "CONFIG"),
        Style::new().fg(Color::Cyan).bold()
    );
    assert_eq!(style_of(&rendered, "GET"), Style::new().fg(Color::Cyan));
    assert_eq!(style_of(&rendered, "maxmemory"), Style::new());
}

#[test]
fn redis_highlighting_never_changes_the_text_of_a_line() {
    let lines = [
        r#"SET k 'it\'s'"#,
        r#"SET k "a\x41\"b""#,
        r#"ab"cd" ef"#,
        "  GET   k",
        r#"HSET h f "v w" n 1"#,
        "XADD s * café ☕",
        r#"SET k "x"y"#,
        r#"EVAL "return 1" 0"#,
    ];
    for line in lines {
        let rendered = render(&format!("```redis\n{line}\n```"), 80);
        let shown = to_plain_text(&rendered);
        assert_eq!(
            shown.split('\n').nth(1).map(|row| code_row(row).trim_end()),
            Some(line),
            "highlighted line differs from its source"
        );
    }
    let rendered = render("```redis\nab\"cd\" 'x y'\n```", 80);
    assert_eq!(
        style_of(&rendered, "ab\"cd\""),
        Style::new().fg(Color::Cyan).bold()
    );
    assert_eq!(style_of(&rendered, "'x y'"), Style::new().fg(Color::Green));
}

#[test]
fn redis_numbers_include_bounds_infinities_and_stream_ids() {
    let rendered = render(
        "```redis\nZRANGE board (1.5 +inf BYSCORE\nXRANGE s 1700000000000-0 +\n```",
        80,
    );
    for number in ["(1.5", "+inf", "1700000000000-0"] {
        assert_eq!(
            style_of(&rendered, number),
            Style::new().fg(Color::Magenta),
            "{number}"
        );
    }
}

#[test]
fn redis_unbalanced_quotes_are_red_and_comments_dim() {
    let rendered = render("```redis\nSET k \"open\n# try it\n```", 80);
    assert_eq!(
        style_of(&rendered, "SET"),
        Style::new().fg(Color::Cyan).bold()
    );
    assert_eq!(style_of(&rendered, "\"open"), Style::new().fg(Color::Red));
    assert_eq!(
        style_of(&rendered, "# try it"),
        Style::new().fg(Color::DarkGray).italic()
    );
}

#[test]
fn details_hide_their_answer_until_revealed() {
    let markdown = "**1. Question?**\n\n<details>\n<summary>Answer</summary>\n\nThe answer.\n\n```redis\nGET a\n```\n\n</details>\n\nAfter.\n";
    let hidden = render(markdown, 40);
    assert_eq!(
        to_plain_text(&hidden),
        "1. Question?\n\n▸ Answer (Enter to reveal)\n\nAfter."
    );
    assert_eq!(
        hidden.details,
        [Details {
            index: 0,
            summary: "Answer".into(),
            first_line: 2,
            last_line: 2,
            revealed: false,
        }]
    );
    assert!(hidden.code_blocks.is_empty(), "hidden blocks cannot be run");
    let shown = Document::parse(markdown).render(40, &|index| index == 0);
    let text = to_plain_text(&shown);
    assert!(
        text.starts_with("1. Question?\n\n▾ Answer\n│ The answer.\n│\n│ ╭─ redis"),
        "{text}"
    );
    assert_eq!(shown.details[0].first_line, 2);
    assert_eq!(shown.details[0].last_line, 7);
    assert_eq!(shown.code_blocks[0].commands(), ["GET a"]);
}

#[test]
fn redis_commands_are_extracted_without_comments_or_blank_lines() {
    let markdown = "```redis\nSET a 1\n\n# comment\n  INCR a  \n```\n\n```python\nr.get('a')\n```\n\n```REDIS\nGET a\n```";
    assert_eq!(redis_commands(markdown), ["SET a 1", "INCR a", "GET a"]);
    assert_eq!(redis_commands(SAMPLE).len(), 5);
}

#[test]
fn tables_size_columns_to_content() {
    let markdown = "| Command | Time |\n|---|--:|\n| GET | O(1) |\n| `KEYS *` | O(N) |";
    let rendered = render(markdown, 80);
    assert_eq!(
        to_plain_text(&rendered),
        "┌─────────┬──────┐\n\
         │ Command │ Time │\n\
         ├─────────┼──────┤\n\
         │ GET     │ O(1) │\n\
         │ KEYS *  │ O(N) │\n\
         └─────────┴──────┘"
    );
    assert_eq!(style_of(&rendered, "Command"), Style::new().bold());
    assert_eq!(
        style_of(&rendered, "KEYS *"),
        Style::new().fg(Color::Yellow)
    );
}

#[test]
fn tables_shrink_to_fit_by_wrapping_cells() {
    let markdown = "| Policy | Evicts |\n|---|:-:|\n| allkeys-lru | any key, least recently used first |\n| noeviction | nothing |";
    assert_eq!(
        plain_lines(markdown, 30),
        [
            "┌─────────────┬──────────────┐",
            "│ Policy      │    Evicts    │",
            "├─────────────┼──────────────┤",
            "│ allkeys-lru │   any key,   │",
            "│             │    least     │",
            "│             │   recently   │",
            "│             │  used first  │",
            "├─────────────┼──────────────┤",
            "│ noeviction  │   nothing    │",
            "└─────────────┴──────────────┘",
        ]
    );
}

#[test]
fn tables_without_body_rows_have_no_header_separator() {
    assert_eq!(
        plain_lines("| only header |\n|---|\n", 40),
        ["┌─────────────┐", "│ only header │", "└─────────────┘"]
    );
}

#[test]
fn tables_too_wide_for_a_grid_become_stacked_rows() {
    let markdown = "| Policy | Evicts | Scope |\n|---|---|---|\n| allkeys-lru | least recently used | all keys |\n| volatile-ttl | shortest TTL | keys with a TTL |";
    assert_eq!(
        plain_lines(markdown, 20),
        [
            "Policy: allkeys-lru",
            "Evicts: least",
            "recently used",
            "Scope: all keys",
            "────────────────────",
            "Policy: volatile-ttl",
            "Evicts: shortest TTL",
            "Scope: keys with a",
            "TTL",
        ]
    );
}

#[test]
fn block_quotes_prefix_every_wrapped_line_and_nest() {
    let markdown = "> A cache is a copy of data.\n>\n> > Nested quote text.";
    assert_eq!(
        plain_lines(markdown, 16),
        [
            "│ A cache is a",
            "│ copy of data.",
            "│",
            "│ │ Nested quote",
            "│ │ text.",
        ]
    );
}

#[test]
fn alerts_show_their_title_in_their_colour() {
    let rendered = render("> [!CAUTION]\n> Never run `FLUSHALL` here.", 40);
    assert_eq!(
        to_plain_text(&rendered),
        "│ Caution\n│ Never run FLUSHALL here."
    );
    assert_eq!(
        style_of(&rendered, "Caution"),
        Style::new().fg(Color::Red).bold()
    );
}

#[test]
fn rules_fill_the_width_and_html_is_text_but_comments_are_hidden() {
    assert_eq!(plain_lines("a\n\n---\n\nb", 5), ["a", "", "─────", "", "b"]);
    assert_eq!(
        plain_lines(
            "<div>\nshown\n</div>\n\n<!-- hidden -->\n\ntext <!-- gone --> here",
            40
        ),
        ["<div>", "shown", "</div>", "", "text here"]
    );
}

#[test]
fn footnotes_show_their_label() {
    assert_eq!(
        plain_lines("Redis is fast.[^1]\n\n[^1]: Mostly in memory.", 40),
        ["Redis is fast.[1]", "", "[1] Mostly in memory."]
    );
}

#[test]
fn very_narrow_panes_clip_prefixes_but_keep_content() {
    assert_eq!(plain_lines("> > > deep", 2), ["│d", "│e", "│e", "│p"]);
    assert_eq!(plain_lines("- item", 1), ["i", "t", "e", "m"]);
}

/// Documents that stress the layout: everything nested, long words, wide tables.
const STRESS: &[&str] = &[
    SAMPLE,
    "- > 1. ```redis\n>    SET k v\n>    ```\n>    | a | b |\n>    |---|---|\n>    | `x y z` | averyveryverylongword |\n",
    "> [!NOTE]\n> - [ ] a task with `inline code that is long` and https://example.com/a/very/long/url/path\n",
    "|a|b|c|d|e|f|g|h|\n|-|-|-|-|-|-|-|-|\n|1|2|3|4|5|6|7|8|\n|long cell text here|x|y|z|w|v|u|t|\n",
    "# 見出しはとても長いので折り返す必要があります\n\n日本語の段落、😀 絵文字と組み合わせ\u{fe0f}。",
    "100000000000. huge number\n- a\n  - b\n    - c\n      - d\n        - e\n          - f",
    "[link text that is long](https://example.com/with/a/long/path?and=query&more=params)\n\n***\n\n<table><tr><td>html</td></tr></table>",
    "| only header |\n|---|\n",
    "Text with a tab\there and a control \u{7} char.",
    "",
    "   \n\n  ",
    "# CRLF\r\n\r\n- item\r\n  > quoted\r\n\r\n```redis\r\nGET k\r\n```\r\n",
    "1. outer\n   - > ## heading in a quote in a list\n     >\n     > | x |\n     > |---|\n     > | y |\n",
];

#[test]
fn no_line_is_wider_than_the_pane_at_any_width() {
    for markdown in STRESS {
        for width in 0..=120 {
            assert_fits(markdown, width);
        }
        assert_fits(markdown, 1000);
        assert_fits(markdown, u16::MAX);
    }
}

#[test]
fn code_block_and_heading_indexes_point_at_their_lines_at_every_width() {
    for width in 1..=120 {
        let rendered = render(SAMPLE, width);
        let text = to_plain_text(&rendered);
        let lines: Vec<&str> = text.split('\n').collect();
        for block in &rendered.code_blocks {
            if width < 5 {
                assert!(block.first_line <= block.last_line && block.last_line < lines.len());
                continue;
            }
            let mut shown = String::new();
            for row in &lines[block.first_line..=block.last_line] {
                if !row.starts_with("│↪") && block.first_line > 0 && !shown.is_empty() {
                    shown = shown.trim_end().to_owned();
                    shown.push('\n');
                }
                shown.push_str(code_row(row));
            }
            assert_eq!(shown.trim_end(), block.text, "width {width}");
        }
        for heading in &rendered.headings {
            assert!(
                heading.text.starts_with(
                    lines[heading.line]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                ),
                "width {width}: heading {:?} is not on line {}: {:?}",
                heading.text,
                heading.line,
                lines[heading.line]
            );
        }
    }
}

#[test]
fn sample_at_80_columns() {
    assert_snapshot!(to_plain_text(&render(SAMPLE, 80)));
}

#[test]
fn sample_at_40_columns() {
    assert_snapshot!(to_plain_text(&render(SAMPLE, 40)));
}

#[test]
fn redis_block_styles() {
    let rendered = render(SAMPLE, 80);
    let block = &rendered.code_blocks[0];
    assert_snapshot!(styles_dump(
        &rendered,
        block.first_line..block.last_line + 1
    ));
}

#[test]
fn prose_styles() {
    let rendered = render(SAMPLE, 80);
    assert_snapshot!(styles_dump(&rendered, 0..6));
}

#[test]
fn every_chapter_of_the_course_fits_the_pane() {
    let chapters = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chapters");
    let Ok(entries) = std::fs::read_dir(&chapters) else {
        return;
    };
    let files = entries.flatten().flat_map(|chapter| {
        std::fs::read_dir(chapter.path())
            .into_iter()
            .flatten()
            .flatten()
    });
    for entry in files {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "md") {
            continue;
        }
        let markdown = std::fs::read_to_string(&path).expect("chapter is readable");
        for width in [1, 2, 5, 10, 20, 30, 40, 60, 80, 100, 120, 200] {
            assert_fits(&markdown, width);
        }
        let rendered = Document::parse(&markdown).render(80, &|_| true);
        let sources = parse::code_blocks(&markdown);
        assert_eq!(
            rendered.code_blocks.len(),
            sources.len(),
            "{}: every code block is located",
            path.display()
        );
    }
}
