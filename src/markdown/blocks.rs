//! Layout of blocks: spacing, headings, containers with their prefixes, rules and HTML.

use ratatui::text::{Line, Span};

use super::parse::{Block, Inline, ListItem};
use super::wrap::{clip_spans, rule, spans_width, wrap};
use super::{Details, Heading, Rendered, code, table, theme};

impl Rendered {
    /// Adds an empty line.
    fn push_blank(&mut self) {
        self.lines.push(Line::default());
    }

    /// Appends `other` below, moving its code block and heading indexes along.
    fn append(&mut self, other: Rendered) {
        let offset = self.lines.len();
        self.lines.extend(other.lines);
        self.code_blocks
            .extend(other.code_blocks.into_iter().map(|mut block| {
                block.first_line += offset;
                block.last_line += offset;
                block
            }));
        self.headings
            .extend(other.headings.into_iter().map(|mut heading| {
                heading.line += offset;
                heading
            }));
        self.details
            .extend(other.details.into_iter().map(|mut details| {
                details.first_line += offset;
                details.last_line += offset;
                details
            }));
    }
}

/// Renders a sequence of blocks at `width` columns, with a blank line between blocks when
/// `spaced` (tight list items are not); `depth` counts the bullet lists around them.
pub fn render_blocks(blocks: &[Block], width: usize, spaced: bool, depth: usize) -> Rendered {
    let mut out = Rendered::default();
    for (index, block) in blocks.iter().enumerate() {
        if spaced && index > 0 {
            out.push_blank();
        }
        out.append(render_block(block, width, depth));
    }
    out
}

/// Renders one block at `width` columns.
fn render_block(block: &Block, width: usize, depth: usize) -> Rendered {
    match block {
        Block::Paragraph(inlines) | Block::Plain(inlines) => Rendered {
            lines: wrap(inlines, width),
            ..Rendered::default()
        },
        Block::Heading(level, inlines) => heading(*level, inlines, width),
        Block::Code { lang, text } => code::render_code_block(lang, text, width),
        Block::Quote { kind, blocks } => quote(*kind, blocks, width, depth),
        Block::List {
            start,
            tight,
            items,
        } => list(*start, *tight, items, width, depth),
        Block::Footnote { label, blocks } => {
            let marker = vec![Span::styled(format!("[{label}] "), theme::FOOTNOTE)];
            nested(width, marker, |inner| {
                render_blocks(blocks, inner, true, depth)
            })
        }
        Block::Table(table) => Rendered {
            lines: table::render_table(table, width),
            ..Rendered::default()
        },
        Block::Rule => Rendered {
            lines: vec![rule('─', width, theme::RULE)],
            ..Rendered::default()
        },
        Block::Details {
            index,
            summary,
            revealed,
            blocks,
        } => details(*index, summary, *revealed, blocks, width, depth),
        Block::Html(html) => {
            let inlines: Vec<Inline> = html
                .lines()
                .enumerate()
                .flat_map(|(index, line)| {
                    let text = Inline::Text(line.to_owned(), theme::HTML);
                    if index == 0 {
                        vec![text]
                    } else {
                        vec![Inline::Break, text]
                    }
                })
                .collect();
            Rendered {
                lines: wrap(&inlines, width),
                ..Rendered::default()
            }
        }
    }
}

/// A `<details>` answer: only its summary line while hidden; the summary and the content
/// behind a bar once revealed.
fn details(
    index: usize,
    summary: &str,
    revealed: bool,
    blocks: &[Block],
    width: usize,
    depth: usize,
) -> Rendered {
    let summary = if summary.is_empty() {
        "Details"
    } else {
        summary
    };
    let line = if revealed {
        format!("▾ {summary}")
    } else {
        format!("▸ {summary} (Enter to reveal)")
    };
    let mut out = Rendered {
        lines: wrap(&[Inline::Text(line, theme::DETAILS_SUMMARY)], width),
        ..Rendered::default()
    };
    if revealed {
        let bar = vec![Span::styled("│ ", theme::DETAILS_BAR)];
        out.append(nested_with(width, bar.clone(), bar, |inner| {
            render_blocks(blocks, inner, true, depth)
        }));
    }
    out.details.insert(
        0,
        Details {
            index,
            summary: summary.to_owned(),
            first_line: 0,
            last_line: out.lines.len() - 1,
            revealed,
        },
    );
    out
}

/// A heading in its level's style, underlined for levels 1 and 2.
fn heading(level: u8, inlines: &[Inline], width: usize) -> Rendered {
    let mut lines = wrap(inlines, width);
    let text_width = lines.iter().map(Line::width).max().unwrap_or(0);
    if let Some(underline) = theme::heading_underline(level) {
        lines.push(rule(
            underline,
            text_width.clamp(1, width),
            theme::heading(level),
        ));
    }
    Rendered {
        lines,
        headings: vec![Heading {
            level,
            text: plain_text(inlines),
            line: 0,
        }],
        ..Rendered::default()
    }
}

/// The text of inline content without styles.
fn plain_text(inlines: &[Inline]) -> String {
    let mut text = String::new();
    for inline in inlines {
        match inline {
            Inline::Text(part, _) | Inline::Code(part, _) => text.push_str(part),
            Inline::Break => text.push(' '),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A block quote behind a `│ ` bar (an alert's bar takes its colour, under its title).
fn quote(
    kind: Option<pulldown_cmark::BlockQuoteKind>,
    blocks: &[Block],
    width: usize,
    depth: usize,
) -> Rendered {
    let (bar_style, title) = match kind {
        Some(kind) => {
            let (style, title) = theme::alert(kind);
            (style, Some(title))
        }
        None => (theme::QUOTE_BAR, None),
    };
    let bar = vec![Span::styled("│ ", bar_style)];
    nested_with(width, bar.clone(), bar, |inner| {
        let mut out = Rendered::default();
        if let Some(title) = title {
            let title = Inline::Text(title.to_owned(), bar_style.patch(theme::STRONG));
            out.lines.extend(wrap(&[title], inner));
        }
        out.append(render_blocks(blocks, inner, true, depth));
        out
    })
}

/// A list: bullets by depth or right-aligned numbers, task boxes, hanging indents; loose
/// lists get blank lines between and inside items.
fn list(
    start: Option<u64>,
    tight: bool,
    items: &[ListItem],
    width: usize,
    depth: usize,
) -> Rendered {
    let mut out = Rendered::default();
    let bullet = theme::BULLETS[depth % theme::BULLETS.len()];
    let inner_depth = depth + usize::from(start.is_none());
    let last_number = start.map(|first| first.saturating_add(items.len().saturating_sub(1) as u64));
    let number_width = last_number.map_or(0, |last| last.to_string().len());
    for (index, item) in items.iter().enumerate() {
        if index > 0 && !tight {
            out.push_blank();
        }
        let mut marker = match start {
            Some(first) => {
                let number = first.saturating_add(index as u64);
                vec![Span::styled(
                    format!("{number:>number_width$}. "),
                    theme::LIST_MARKER,
                )]
            }
            None if item.task.is_some() => Vec::new(),
            None => vec![Span::styled(format!("{bullet} "), theme::LIST_MARKER)],
        };
        match item.task {
            Some(true) => marker.push(Span::styled("[x] ", theme::TASK_DONE)),
            Some(false) => marker.push(Span::styled("[ ] ", theme::TASK_OPEN)),
            None => {}
        }
        out.append(nested(width, marker, |inner| {
            let mut content = render_blocks(&item.blocks, inner, !tight, inner_depth);
            if content.lines.is_empty() {
                content.push_blank();
            }
            content
        }));
    }
    out
}

/// Renders content indented by `marker` on its first line and by as many spaces below.
fn nested(
    width: usize,
    marker: Vec<Span<'static>>,
    content: impl FnOnce(usize) -> Rendered,
) -> Rendered {
    let indent = vec![Span::raw(" ".repeat(spans_width(&marker)))];
    nested_with(width, marker, indent, content)
}

/// Renders `content` at the width left by a prefix (`first` on its first line, `rest` on the
/// others). At least one column is left for the content: prefixes are clipped on very narrow
/// panes. Blank content lines get the prefix without its trailing spaces.
fn nested_with(
    width: usize,
    first: Vec<Span<'static>>,
    rest: Vec<Span<'static>>,
    content: impl FnOnce(usize) -> Rendered,
) -> Rendered {
    let budget = width.saturating_sub(1);
    let (first, rest) = (clip_spans(&first, budget), clip_spans(&rest, budget));
    let prefix_width = spans_width(&first).max(spans_width(&rest));
    let inner = content(width.saturating_sub(prefix_width).max(1));
    let lines = inner
        .lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let prefix = if index == 0 { &first } else { &rest };
            let blank = line.width() == 0;
            let mut spans = if blank {
                trim_end(prefix)
            } else {
                prefix.clone()
            };
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect();
    Rendered { lines, ..inner }
}

/// The spans without trailing spaces.
fn trim_end(spans: &[Span<'static>]) -> Vec<Span<'static>> {
    let mut trimmed = spans.to_vec();
    while let Some(last) = trimmed.last_mut() {
        let kept = last.content.trim_end().to_owned();
        if kept.is_empty() {
            trimmed.pop();
        } else {
            *last = Span::styled(kept, last.style);
            break;
        }
    }
    trimmed
}
